// The demo app: a join screen (room, display name), then a call with a tile per participant. It speaks the
// documented client flow (shared/SIGNALING-API.md: connect, receive client_id, add camera and microphone, exchange
// offer/answer/candidate) plus the additions of docs/PROTOCOL.md it needs: rooms (?room=), display names (?name=),
// room/participant_joined/participant_left, dominant_speaker, session resume, ICE restart, server_draining,
// video_paused/video_resumed, layers_wanted, errors.
//
// Query parameters of this page: ?room=NAME&name=DISPLAY joins at once, without the join screen (links, tests);
// ?join does so for the default room; ?token=JWT is the access token a server that requires them wants (it names
// the room; it joins at once too); ?offer=0 makes the page a receiver that never offers and only answers the
// server's offers (the document's handleOffer); by default it calls as soon as it has its id.
'use strict';

const params = new URLSearchParams(location.search);
const autoOffer = params.get('offer') !== '0';
const accessToken = params.get('token');
const $ = id => document.getElementById(id);
const statusEl = $('status');
const grid = $('grid');

// Exposed for tests and curious users: window.sfu.pc.getStats() shows what flows.
// firstFrameDelays: for each remote video track, milliseconds from its arrival (ontrack), or from the connection
// coming up if that is later, to its first decoded frame: the time a new receiver waits for a keyframe.
// participants: the other clients in the room, from the server's room / participant_joined / participant_left;
// names and identities: their display names and (with access tokens) identities, by client id.
// videoPaused: by participant, why the server holds its video back ('bandwidth'), or null once resumed;
// layersWanted: by mid of this page's own simulcast tracks, the rids the server last said some receiver wants.
const sfu = window.sfu = { pc: null, ws: null, clientId: null, errors: [], log: [], firstFrameDelays: [],
                           room: null, participants: [], names: {}, identities: {}, midToParticipant: {},
                           dominantSpeaker: null, localStream: null, micMuted: false, cameraOff: false,
                           videoPaused: {}, layersWanted: {} };

function status(text) {
  statusEl.textContent = text;
  sfu.log.push(text);
}

function send(type, data) {
  sfu.ws.send(JSON.stringify({ type, data }));
}

async function startCall() {
  const offer = await sfu.pc.createOffer();
  await sfu.pc.setLocalDescription(offer);
  send('offer', offer);
  status('offer sent');
}

// ---------------------------------------------------------------------------------------------------------------
// ICE restart (RFC 8445 §9): after a network change the old path is dead; a new offer with new ICE credentials lets
// the server find the new one while the call, its tracks and its room stay as they are. Apps call this when the
// OS reports a network change; the page also does it by itself when ICE fails.
async function restartIce(attempt = 1) {
  status('restarting ICE');
  const before = await selectedPairId();
  sfu.pc.restartIce();
  await startCall();
  clearTimeout(sfu.restartCheck);
  if (attempt < RESTART_ATTEMPTS) {
    sfu.restartCheck = setTimeout(() => retryRestartIfNoPath(attempt, before), RESTART_CHECK_MS);
  }
}
sfu.restartIce = () => restartIce().catch(error => sfu.errors.push(String(error)));

// A restart whose checks find no path in time is tried again: the first checks after a network change can be lost
// while the new network settles, and the browser only gives up on the dead old path after tens of seconds (consent,
// RFC 7675), so nothing else would notice. "No path yet" = the selected candidate pair is still the one from before
// the restart (a new ICE generation has new candidates, so a pair it found has a new id).
const RESTART_ATTEMPTS = 3;
const RESTART_CHECK_MS = 2500;

async function selectedPairId() {
  let id = null;
  (await sfu.pc.getStats()).forEach(s => {
    if (s.type === 'transport' && s.selectedCandidatePairId) { id = s.selectedCandidatePairId; }
  });
  return id;
}

async function retryRestartIfNoPath(attempt, before) {
  if (sfu.pc.signalingState === 'closed') {
    return;
  }
  const now = await selectedPairId();
  const connected = ['connected', 'completed'].includes(sfu.pc.iceConnectionState);
  const again = (now ? now === before : !connected) && sfu.pc.signalingState === 'stable';
  // What the check saw, so that a restart that neither worked nor was retried can be understood from the log.
  status(`restart check: selected pair ${before} -> ${now}, ICE ${sfu.pc.iceConnectionState}, signaling `
      + `${sfu.pc.signalingState}`);
  if (again) {
    status('ICE restart found no path yet; trying again');
  }
  sfu.restartChecks = (sfu.restartChecks || 0) + 1;
  if (again) {
    restartIce(attempt + 1).catch(error => sfu.errors.push(String(error)));
  }
}

async function handleOffer(offer) {
  await sfu.pc.setRemoteDescription(new RTCSessionDescription(offer));
  const answer = await sfu.pc.createAnswer();
  await sfu.pc.setLocalDescription(answer);
  send('answer', answer);
  status('answered the server');
}

// ---------------------------------------------------------------------------------------------------------------
// Tiles. A participant's tile exists from the moment the server says it is in the room; its video arrives later in
// a server offer, in the MediaStream whose id is the participant's client id (a=msid, docs/PROTOCOL.md "Rooms").
// Names are user input: they only ever go into textContent, never into markup.

// The largest tiles that fit the screen: the number of columns that makes a 4:3 tile biggest within the grid's width
// and the height left between the header and the controls. Below a minimum size the grid scrolls vertically
// instead; it never gets wider than the screen (a phone shows one column).
const TILE_MIN_WIDTH = 160;

function layoutGrid() {
  const tiles = grid.querySelectorAll('.tile').length;
  const style = getComputedStyle(grid);
  const gap = parseFloat(style.columnGap) || 0;
  const width = grid.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const below = [$('devices-panel'), $('controls'), statusEl]
      .reduce((sum, e) => sum + (e.hidden ? 0 : e.offsetHeight), 0);
  const height = window.innerHeight - grid.getBoundingClientRect().top - below
      - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
  if (tiles === 0 || width <= 0) {
    return;
  }
  let best = { columns: 1, size: 0 };
  for (let columns = 1; columns <= tiles; columns++) {
    const rows = Math.ceil(tiles / columns);
    const size = Math.min((width - gap * (columns - 1)) / columns, (height - gap * (rows - 1)) / rows * 4 / 3);
    if (size > best.size) {
      best = { columns, size };
    }
  }
  if (best.size < TILE_MIN_WIDTH) {
    const columns = Math.max(1, Math.min(tiles, Math.floor((width + gap) / (TILE_MIN_WIDTH + gap))));
    best = { columns, size: (width - gap * (columns - 1)) / columns };
  }
  grid.style.gridTemplateColumns = `repeat(${best.columns}, ${Math.floor(best.size)}px)`;
}
new MutationObserver(layoutGrid).observe(grid, { childList: true });
window.addEventListener('resize', layoutGrid);

function displayName(id) {
  return sfu.names[id] || sfu.identities[id] || 'Guest ' + id.slice(0, 4);
}

function tileOf(id) {
  return document.getElementById('remote-' + id);
}

function ensureTile(id) {
  let tile = tileOf(id);
  if (tile) {
    return tile;
  }
  tile = document.createElement('div');
  tile.className = 'tile remote no-video';
  tile.id = 'remote-' + id;
  tile.dataset.participant = id;
  const video = document.createElement('video');
  video.autoplay = true;
  video.playsInline = true;
  const avatar = document.createElement('div');
  avatar.className = 'avatar';
  avatar.setAttribute('aria-hidden', 'true');
  const label = document.createElement('span');
  label.className = 'name';
  const stats = document.createElement('pre');
  stats.className = 'stats';
  tile.append(video, avatar, label, stats);
  grid.append(tile);
  labelTile(id);
  tile.classList.toggle('speaking', sfu.dominantSpeaker === id);
  return tile;
}

function labelTile(id) {
  const tile = tileOf(id);
  if (tile) {
    const name = displayName(id);
    tile.querySelector('.name').textContent = name;
    tile.querySelector('.avatar').textContent = Array.from(name)[0].toUpperCase();
    tile.dataset.name = name;
  }
}

function removeTile(id) {
  const tile = tileOf(id);
  if (tile) {
    tile.querySelector('video').srcObject = null;
    tile.remove();
  }
}

function showStream(stream) {
  const tile = ensureTile(stream.id);
  const video = tile.querySelector('video');
  if (video.srcObject !== stream) {
    video.srcObject = stream;
    video.play().catch(() => status('click the page to play the remote audio'));
  }
  const refresh = () => {
    // A video track that stops getting frames (its sender turned the camera off) is muted by the browser.
    const live = stream.getVideoTracks().some(t => t.readyState === 'live' && !t.muted);
    tile.classList.toggle('no-video', !live);
  };
  for (const track of stream.getTracks()) {
    track.onmute = refresh;
    track.onunmute = refresh;
  }
  stream.onaddtrack = event => {
    event.track.onmute = refresh;
    event.track.onunmute = refresh;
    refresh();
  };
  stream.onremovetrack = () => {
    if (stream.getTracks().length === 0) {
      removeTile(stream.id);
    } else {
      refresh();
    }
  };
  refresh();
}

async function measureFirstFrame(receiver, pc) {
  // Nothing can arrive before the connection is up: a receiver that has only just joined is still doing ICE and
  // DTLS when its tracks arrive. The wait that matters is from the later of the two.
  while (pc.connectionState !== 'connected') {
    if (pc.signalingState === 'closed') {
      return;
    }
    await new Promise(resolve => setTimeout(resolve, 20));
  }
  const start = performance.now();
  while (performance.now() - start < 30000 && pc.signalingState !== 'closed') {
    const stats = await receiver.getStats();
    for (const s of stats.values()) {
      if (s.type === 'inbound-rtp' && s.framesDecoded > 0) {
        const delay = Math.round(performance.now() - start);
        sfu.firstFrameDelays.push(delay);
        status('first remote frame ' + delay + ' ms after its track arrived and the connection was up');
        return;
      }
    }
    await new Promise(resolve => setTimeout(resolve, 20));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Local media: camera and microphone, mute, camera off, device selection.

async function openLocalMedia() {
  // A machine without a camera (or that refuses it) still joins with what it has.
  for (const constraints of [{ video: true, audio: true }, { audio: true }, { video: true }]) {
    try {
      return await navigator.mediaDevices.getUserMedia(constraints);
    } catch (error) {
      status('no ' + Object.keys(constraints).join(' and ') + ': ' + error.name);
    }
  }
  return new MediaStream();
}

function showLocal() {
  const video = $('local');
  video.srcObject = sfu.localStream;
  $('local-tile').classList.toggle('no-video', sfu.cameraOff || sfu.localStream.getVideoTracks().length === 0);
}

function setMicMuted(muted) {
  sfu.micMuted = muted;
  // A disabled track sends silence: the others' audio stops at once, and unmuting needs no renegotiation.
  sfu.localStream.getAudioTracks().forEach(t => { t.enabled = !muted; });
  const button = $('mic');
  button.textContent = muted ? 'Unmute' : 'Mute';
  button.setAttribute('aria-pressed', String(muted));
  button.classList.toggle('off', muted);
  status(muted ? 'microphone muted' : 'microphone on');
}

async function setCameraOff(off) {
  const sender = sfu.videoSender;
  if (!sender) {
    return;
  }
  sfu.cameraOff = off;
  if (off) {
    // Stopping the track turns the camera (and its light) off; the m-line stays, so nothing is renegotiated.
    await sender.replaceTrack(null);
    sfu.localStream.getVideoTracks().forEach(t => { t.stop(); sfu.localStream.removeTrack(t); });
  } else {
    const track = await openDevice('video', $('video-input').value);
    sfu.localStream.addTrack(track);
    await sender.replaceTrack(track);
  }
  showCameraButton();
  showLocal();
  status(off ? 'camera off' : 'camera on');
}

function showCameraButton() {
  const button = $('camera');
  button.textContent = sfu.cameraOff ? 'Camera on' : 'Camera off';
  button.setAttribute('aria-pressed', String(sfu.cameraOff));
  button.classList.toggle('off', sfu.cameraOff);
}

function showNotice(text) {
  const notice = $('notice');
  notice.textContent = text;
  notice.hidden = false;
  layoutGrid();
}

async function openDevice(kind, deviceId) {
  const constraint = deviceId ? { deviceId: { exact: deviceId } } : true;
  const stream = await navigator.mediaDevices.getUserMedia({ [kind]: constraint });
  return stream.getTracks()[0];
}

// Another microphone or camera: a new track on the same sender (RTCRtpSender.replaceTrack), no renegotiation.
async function switchDevice(kind, deviceId) {
  const sender = kind === 'audio' ? sfu.audioSender : sfu.videoSender;
  if (!sender || (kind === 'video' && sfu.cameraOff)) {
    return;
  }
  const track = await openDevice(kind, deviceId);
  if (kind === 'audio') {
    track.enabled = !sfu.micMuted;
  }
  const old = kind === 'audio' ? sfu.localStream.getAudioTracks() : sfu.localStream.getVideoTracks();
  await sender.replaceTrack(track);
  old.forEach(t => { t.stop(); sfu.localStream.removeTrack(t); });
  sfu.localStream.addTrack(track);
  showLocal();
  status('using ' + (track.label || kind + ' device'));
}

async function listDevices() {
  const devices = await navigator.mediaDevices.enumerateDevices();
  const current = {
    audioinput: sfu.localStream && sfu.localStream.getAudioTracks()[0],
    videoinput: sfu.localStream && sfu.localStream.getVideoTracks()[0],
  };
  for (const [kind, selectId] of [['audioinput', 'audio-input'], ['videoinput', 'video-input'],
                                  ['audiooutput', 'audio-output']]) {
    const select = $(selectId);
    const chosen = select.value || (current[kind] && current[kind].getSettings().deviceId);
    select.replaceChildren();
    devices.filter(d => d.kind === kind).forEach((d, i) => {
      const option = document.createElement('option');
      option.value = d.deviceId;
      option.textContent = d.label || kind + ' ' + (i + 1);
      select.append(option);
    });
    if (chosen && [...select.options].some(o => o.value === chosen)) {
      select.value = chosen;
    }
  }
  // Choosing the speaker needs HTMLMediaElement.setSinkId, which not every browser has.
  $('audio-output-label').hidden = !('setSinkId' in HTMLMediaElement.prototype)
      || $('audio-output').options.length === 0;
}

async function setSpeaker(deviceId) {
  for (const video of grid.querySelectorAll('.tile.remote video')) {
    await video.setSinkId(deviceId);
  }
  sfu.speaker = deviceId;
}

// ---------------------------------------------------------------------------------------------------------------
// Stats overlay, from getStats(): per remote tile the inbound bitrate, loss and codec; on the local tile the
// outbound bitrate and codec, the round trip of the selected candidate pair, and the candidate types of both ends.

let statsTimer = null;
let previousStats = new Map();

function kbps(now, before, bytesKey) {
  if (!before || now.timestamp <= before.timestamp) {
    return 0;
  }
  return Math.round((now[bytesKey] - before[bytesKey]) * 8 / (now.timestamp - before.timestamp));
}

function codecName(stats, s) {
  const codec = s.codecId && stats.get(s.codecId);
  return codec ? codec.mimeType.replace(/^(audio|video)\//, '') : '?';
}

async function updateStats() {
  const pc = sfu.pc;
  if (!pc || pc.signalingState === 'closed') {
    return;
  }
  const stats = await pc.getStats();
  const remote = {};
  const local = [];
  let path = 'no candidate pair selected yet';
  stats.forEach(s => {
    const before = previousStats.get(s.id);
    if (s.type === 'inbound-rtp') {
      const owner = sfu.midToParticipant[s.mid];
      if (!owner) {
        return;
      }
      const lostNow = Math.max(0, s.packetsLost || 0);
      const lostDelta = before ? lostNow - Math.max(0, before.packetsLost || 0) : 0;
      const receivedDelta = before ? (s.packetsReceived || 0) - (before.packetsReceived || 0) : 0;
      const lossPercent = lostDelta + receivedDelta > 0 ? (100 * lostDelta / (lostDelta + receivedDelta)) : 0;
      (remote[owner] = remote[owner] || []).push(`↓ ${s.kind} ${kbps(s, before, 'bytesReceived')} kb/s `
          + `${codecName(stats, s)}, lost ${lostNow} (${lossPercent.toFixed(1)}%)`
          + (s.kind === 'video' && s.frameWidth ? `, ${s.frameWidth}x${s.frameHeight}` : ''));
    } else if (s.type === 'outbound-rtp') {
      local.push(`↑ ${s.kind} ${kbps(s, before, 'bytesSent')} kb/s ${codecName(stats, s)}`
          + (s.kind === 'video' && s.frameWidth ? `, ${s.frameWidth}x${s.frameHeight}` : ''));
    } else if (s.type === 'transport' && s.selectedCandidatePairId) {
      const pair = stats.get(s.selectedCandidatePairId);
      const l = pair && stats.get(pair.localCandidateId);
      const r = pair && stats.get(pair.remoteCandidateId);
      if (pair && l && r) {
        const rtt = pair.currentRoundTripTime === undefined ? '?' : Math.round(pair.currentRoundTripTime * 1000);
        path = `RTT ${rtt} ms, ${l.candidateType}/${l.protocol} → ${r.candidateType}/${r.protocol}`;
      }
    }
  });
  previousStats = new Map([...stats.values()].map(s => [s.id, s]));
  local.sort();
  document.querySelector('#local-tile .stats').textContent = [...local, path].join('\n');
  for (const tile of grid.querySelectorAll('.tile.remote')) {
    const lines = (remote[tile.dataset.participant] || ['nothing received']).sort();
    tile.querySelector('.stats').textContent = lines.join('\n');
  }
}

function setStatsShown(shown) {
  grid.classList.toggle('show-stats', shown);
  $('stats').setAttribute('aria-pressed', String(shown));
  clearInterval(statsTimer);
  statsTimer = null;
  if (shown) {
    const tick = () => updateStats().catch(error => status('stats: ' + error));
    tick();
    statsTimer = setInterval(tick, 1000);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Joining and leaving.

async function join(room, name) {
  sfu.room = room || null;
  sfu.name = name || null;
  Object.assign(sfu, { clientId: null, resumeToken: null, participants: [], names: {}, identities: {},
                       midToParticipant: {}, dominantSpeaker: null, micMuted: false, cameraOff: false });
  $('join-screen').hidden = true;
  $('call-screen').hidden = false;
  $('notice').hidden = true;
  $('room-title').textContent = 'Room ' + (room || 'default');
  $('local-name').textContent = name ? name + ' (you)' : 'You';
  $('local-tile').querySelector('.avatar').textContent = Array.from(name || 'You')[0].toUpperCase();
  status('opening camera and microphone');
  layoutGrid();

  const localStream = sfu.localStream = await openLocalMedia();
  showLocal();

  // No STUN or TURN server: the server itself is a public ICE peer (it may still send some in ice_servers).
  const pc = sfu.pc = new RTCPeerConnection({ iceServers: [] });
  sfu.audioSender = null;
  sfu.videoSender = null;
  localStream.getTracks().forEach(track => {
    const sender = pc.addTrack(track, localStream);
    sfu[track.kind === 'audio' ? 'audioSender' : 'videoSender'] = sender;
  });
  $('mic').disabled = !sfu.audioSender;
  $('camera').disabled = !sfu.videoSender;
  setMicMuted(false);
  showCameraButton();
  pc.ontrack = event => {
    if (event.streams[0]) {
      showStream(event.streams[0]);
      sfu.midToParticipant[event.transceiver.mid] = event.streams[0].id;
      if (sfu.speaker) {
        tileOf(event.streams[0].id).querySelector('video').setSinkId(sfu.speaker).catch(() => {});
      }
    }
    if (event.track.kind === 'video') {
      measureFirstFrame(event.receiver, pc);
    }
  };
  pc.onicecandidate = event => {
    if (event.candidate && sfu.ws && sfu.ws.readyState === WebSocket.OPEN) {
      send('candidate', event.candidate);
    }
  };
  pc.onconnectionstatechange = () => status('connection ' + pc.connectionState);
  pc.oniceconnectionstatechange = () => {
    if (pc.iceConnectionState === 'failed' && pc.signalingState === 'stable') {
      sfu.restartIce();
    }
  };

  connectSignaling(false);
  listDevices().catch(error => status('devices: ' + error));
}

// Hanging up: a close with 1000 ends the session at once on the server (no resume), so the others see the tile go.
function leave(why) {
  const ws = sfu.ws;
  sfu.ws = null;
  if (ws) {
    ws.onclose = null;
    ws.close(1000, 'leaving');
  }
  clearTimeout(sfu.restartCheck);
  setStatsShown(false);
  previousStats = new Map();
  if (sfu.pc) {
    sfu.pc.close();
  }
  if (sfu.localStream) {
    sfu.localStream.getTracks().forEach(t => t.stop());
  }
  $('local').srcObject = null;
  grid.querySelectorAll('.tile.remote').forEach(tile => removeTile(tile.dataset.participant));
  $('devices-panel').hidden = true;
  $('devices').setAttribute('aria-pressed', 'false');
  $('call-screen').hidden = true;
  $('join-screen').hidden = false;
  $('join-error').textContent = why || '';
  status(why ? 'left the call: ' + why : 'left the call');
}

// The session cannot be resumed (it ended while the page was away): start over as a new participant.
function startOver() {
  const room = sfu.room;
  const name = sfu.name;
  leave();
  join(room, name).catch(failed);
}

// The signaling connection. If it drops without a goodbye (network change, server restart of the proxy), the page
// reconnects with its client id and resume token (docs/PROTOCOL.md, "Resuming a session"): the server has kept the
// participant, its tracks and its media path for the grace period, so the call goes on.
function connectSignaling(resume) {
  const query = new URLSearchParams();
  if (sfu.room) {
    query.set('room', sfu.room);
  }
  if (sfu.name) {
    query.set('name', sfu.name);
  }
  // A server that requires access tokens gets the page's own ?token= (docs/SECURITY.md); a resume brings its
  // resume token as well, and the access token lets a failed resume start afresh.
  if (accessToken) {
    query.set('token', accessToken);
  }
  if (resume) {
    query.set('resume', sfu.clientId);
    query.set('resume_token', sfu.resumeToken);
  }
  sfu.resuming = resume;
  const ws = sfu.ws = new WebSocket(`wss://${location.host}/ws?${query}`);
  // Messages are handled one after another so that an answer is never applied before the offer it answers. Those of
  // a connection being replaced still count (they belong to the same call); those for a call left meanwhile do not.
  const pc = sfu.pc;
  let queue = Promise.resolve();
  ws.onmessage = event => {
    const message = JSON.parse(event.data);
    queue = queue.then(() => {
      if (sfu.pc === pc && pc.signalingState !== 'closed') {
        return handleMessage(message);
      }
    }).catch(error => {
      sfu.errors.push(String(error));
      status('error: ' + error);
    });
  };
  ws.onopen = () => status(resume ? 'reconnected to the server' : 'connected to the server');
  ws.onclose = event => {
    if (ws !== sfu.ws) {
      return;
    }
    status('disconnected from the server');
    // 1006: the connection dropped; 4408: the server gave it up as lost (no pong, not reading). A close the server
    // chose otherwise (1011 session ended, 1008 refused, 4401 no valid access token) is final.
    sfu.lostAt = sfu.lostAt || Date.now();
    if ((event.code === 1006 || event.code === 4408) && sfu.resumeToken
        && Date.now() - sfu.lostAt < sfu.reconnectGraceMs) {
      setTimeout(() => {
        if (ws === sfu.ws) {
          connectSignaling(true);
        }
      }, 500);
    } else if (sfu.refusal) {
      // Not let in (bad room or name, room full, no valid token): back to the join screen, saying why.
      const why = sfu.refusal;
      sfu.refusal = null;
      sfu.ws = null;
      leave(why);
    }
  };
}

// What an app does when the OS says the network changed: a fresh signaling connection (the old one's TCP path is
// gone) that resumes the session, then an ICE restart for the media path.
function networkChanged() {
  sfu.restartIceWhenResumed = true;
  const old = sfu.ws;
  sfu.ws = null;
  old.onclose = null;
  // 4000: "moving to a new connection"; the server keeps the session for the resume (a plain close would end it).
  old.close(4000, 'network change');
  connectSignaling(true);
}
sfu.networkChanged = networkChanged;

async function onResumed() {
  status('session resumed');
  if (sfu.restartIceWhenResumed) {
    sfu.restartIceWhenResumed = false;
    await restartIce();
  } else if (sfu.pc.signalingState === 'have-local-offer') {
    // The offer may have been lost with the old connection; the server answers a repeated one again.
    send('offer', sfu.pc.localDescription);
  }
}

const REFUSALS = {
  'bad-room': 'that is not a valid room name',
  'bad-name': 'that name cannot be used',
  'room-full': 'the room is full; try again later',
  'unauthorized': 'the server did not accept the access token',
};

async function handleMessage(message) {
  switch (message.type) {
    case 'client_id':
      if (sfu.resuming && message.data !== sfu.clientId) {
        status('session lost; starting a new one');
        startOver();
        return;
      }
      sfu.clientId = message.data;
      status('client id ' + message.data);
      break;
    case 'ice_servers':
      // The server's STUN/TURN servers for this client (none by default: the server is reachable on its own).
      // They come right after client_id, before anything is gathered, so the call starts once they are set.
      sfu.pc.setConfiguration({ ...sfu.pc.getConfiguration(), iceServers: message.data.iceServers });
      if (sfu.resuming) {
        break;
      }
      if (autoOffer && sfu.pc.getTransceivers().length > 0) {
        await startCall();
      }
      break;
    case 'session':
      sfu.resumeToken = message.data.resumeToken;
      sfu.reconnectGraceMs = message.data.reconnectGraceMs;
      sfu.lostAt = null;
      if (sfu.resuming) {
        sfu.resuming = false;
        await onResumed();
      }
      break;
    case 'offer':
      await handleOffer(message.data);
      break;
    case 'answer':
      await sfu.pc.setRemoteDescription(new RTCSessionDescription(message.data));
      status('call set up');
      break;
    case 'candidate':
      await sfu.pc.addIceCandidate(message.data);
      break;
    case 'room': {
      const data = message.data;
      sfu.room = data.name;
      sfu.participants = data.participants.slice();
      sfu.names = { ...(data.names || {}) };
      sfu.identities = { ...(data.identities || {}) };
      $('room-title').textContent = 'Room ' + data.name;
      // After a resume this is the room as it is now: whoever left meanwhile loses its tile.
      grid.querySelectorAll('.tile.remote').forEach(tile => {
        if (!sfu.participants.includes(tile.dataset.participant)) {
          removeTile(tile.dataset.participant);
        }
      });
      sfu.participants.forEach(id => { ensureTile(id); labelTile(id); });
      status('in room ' + sfu.room + ' with ' + sfu.participants.length + ' others');
      break;
    }
    case 'participant_joined': {
      const { id, name, identity } = message.data;
      if (!sfu.participants.includes(id)) {
        sfu.participants.push(id);
      }
      if (name) {
        sfu.names[id] = name;
      }
      if (identity) {
        sfu.identities[id] = identity;
      }
      ensureTile(id);
      labelTile(id);
      status(displayName(id) + ' joined');
      break;
    }
    case 'participant_left': {
      const id = message.data.id;
      sfu.participants = sfu.participants.filter(p => p !== id);
      removeTile(id);
      status(displayName(id) + ' left');
      break;
    }
    case 'dominant_speaker': {
      sfu.dominantSpeaker = message.data.id;
      for (const tile of grid.querySelectorAll('.tile')) {
        tile.classList.toggle('speaking', tile.id === 'remote-' + message.data.id
            || (tile.id === 'local-tile' && message.data.id === sfu.clientId));
      }
      break;
    }
    case 'video_paused':
    case 'video_resumed': {
      // The server holds a video back while this client's downlink cannot carry even its lowest layer
      // (docs/PROTOCOL.md): show the participant's avatar and say why, rather than a frozen picture.
      const { participant, reason } = message.data;
      const paused = message.type === 'video_paused';
      sfu.videoPaused[participant] = paused ? reason : null;
      const tile = tileOf(participant);
      if (tile) {
        tile.classList.toggle('paused-bandwidth', paused && reason === 'bandwidth');
      }
      status(displayName(participant) + "'s video " + (paused ? 'paused: your connection cannot carry it now'
          : 'resumed'));
      break;
    }
    case 'layers_wanted': {
      // No receiver may be sent the simulcast layers left out (their tiles are small, or paused): stop encoding and
      // sending them until they are listed again (docs/PROTOCOL.md). A page that sends one stream has nothing to do.
      const { mid, rids } = message.data;
      sfu.layersWanted[mid] = rids;
      const transceiver = sfu.pc && sfu.pc.getTransceivers().find(t => t.mid === mid);
      if (transceiver) {
        const parameters = transceiver.sender.getParameters();
        if (parameters.encodings && parameters.encodings.length > 1 && parameters.encodings.every(e => e.rid)) {
          parameters.encodings.forEach(e => { e.active = rids.includes(e.rid); });
          transceiver.sender.setParameters(parameters).catch(e => sfu.errors.push('layers_wanted: ' + e));
        }
      }
      break;
    }
    case 'server_draining': {
      showNotice(`The server is shutting down: this call ends within ${message.data.seconds} s.`);
      status('server draining');
      break;
    }
    case 'error':
      sfu.errors.push(message.data);
      status('server error: ' + message.data.code + ': ' + message.data.message);
      if (REFUSALS[message.data.code]) {
        sfu.refusal = REFUSALS[message.data.code] + ' (' + message.data.message + ')';
      } else if (message.data.code === 'session-ended') {
        showNotice('The call ended: ' + message.data.message + '. Leave and join again to go on.');
      }
      break;
    default:
      // Messages added by later versions of the server are ignored, as the API document's clients do.
      break;
  }
}

function failed(error) {
  sfu.errors.push(String(error));
  status('error: ' + error);
}

// ---------------------------------------------------------------------------------------------------------------
// Wiring.

$('join-form').addEventListener('submit', event => {
  event.preventDefault();
  const room = $('room').value.trim();
  const name = $('name').value.trim();
  try {
    localStorage.setItem('sfu-demo-name', name);
  } catch (ignored) {
    // Storage may be off (private mode): the name is simply not remembered.
  }
  join(room, name).catch(failed);
});
$('mic').addEventListener('click', () => setMicMuted(!sfu.micMuted));
$('camera').addEventListener('click', () => setCameraOff(!sfu.cameraOff).catch(failed));
$('leave').addEventListener('click', () => leave());
$('stats').addEventListener('click', () => setStatsShown(!grid.classList.contains('show-stats')));
$('devices').addEventListener('click', () => {
  const panel = $('devices-panel');
  panel.hidden = !panel.hidden;
  layoutGrid();
  $('devices').setAttribute('aria-pressed', String(!panel.hidden));
  if (!panel.hidden) {
    listDevices().catch(error => status('devices: ' + error));
  }
});
$('audio-input').addEventListener('change', event => switchDevice('audio', event.target.value).catch(failed));
$('video-input').addEventListener('change', event => switchDevice('video', event.target.value).catch(failed));
$('audio-output').addEventListener('change', event => setSpeaker(event.target.value).catch(failed));
navigator.mediaDevices.addEventListener('devicechange', () => {
  if (sfu.pc) {
    listDevices().catch(error => status('devices: ' + error));
  }
});

$('room').value = params.get('room') || '';
try {
  $('name').value = params.get('name') || localStorage.getItem('sfu-demo-name') || '';
} catch (ignored) {
  $('name').value = params.get('name') || '';
}
if (params.has('room') || params.has('token') || params.has('join')) {
  join(params.get('room'), params.get('name')).catch(failed);
} else {
  status('choose a room and a name');
}
