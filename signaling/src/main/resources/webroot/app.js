// The documented client flow (shared/SIGNALING-API.md): connect, receive client_id, add camera and microphone,
// exchange offer/answer/candidate. Query parameters: ?room=NAME joins that room (default: the one shared room);
// ?token=JWT is the access token a server that requires them wants (it names the room); ?offer=0 makes this page a
// receiver that never offers and only answers the server's offers (the document's handleOffer); by default it calls
// as soon as it has its id.
'use strict';

const params = new URLSearchParams(location.search);
const autoOffer = params.get('offer') !== '0';
const room = params.get('room');
const accessToken = params.get('token');
const statusEl = document.getElementById('status');
const videos = document.getElementById('videos');

// Exposed for tests and curious users: window.sfu.pc.getStats() shows what flows.
// firstFrameDelays: for each remote video track, milliseconds from its arrival (ontrack), or from the connection
// coming up if that is later, to its first decoded frame: the time a new receiver waits for a keyframe.
// participants: the other clients in the room, from the server's room / participant_joined / participant_left.
const sfu = window.sfu = { pc: null, ws: null, clientId: null, errors: [], log: [], firstFrameDelays: [],
                           room: null, participants: [], midToParticipant: {}, dominantSpeaker: null };

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

function showStream(stream) {
  if (document.getElementById('remote-' + stream.id)) {
    return;
  }
  const tile = document.createElement('div');
  tile.className = 'tile';
  tile.id = 'remote-' + stream.id;
  const video = document.createElement('video');
  video.autoplay = true;
  video.playsInline = true;
  video.srcObject = stream;
  video.play().catch(() => status('click the page to play the remote audio'));
  const label = document.createElement('span');
  label.textContent = stream.id;
  tile.append(video, label);
  videos.append(tile);
  stream.onremovetrack = () => {
    if (stream.getTracks().length === 0) {
      tile.remove();
    }
  };
}

async function measureFirstFrame(receiver) {
  // Nothing can arrive before the connection is up: a receiver that has only just joined is still doing ICE and
  // DTLS when its tracks arrive. The wait that matters is from the later of the two.
  while (sfu.pc.connectionState !== 'connected') {
    await new Promise(resolve => setTimeout(resolve, 20));
  }
  const start = performance.now();
  while (performance.now() - start < 30000) {
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

async function main() {
  const localStream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
  document.getElementById('local').srcObject = localStream;

  // No STUN or TURN server: the server itself is a public ICE peer.
  const pc = sfu.pc = new RTCPeerConnection({ iceServers: [] });
  localStream.getTracks().forEach(track => pc.addTrack(track, localStream));
  pc.ontrack = event => {
    if (event.streams[0]) {
      showStream(event.streams[0]);
      sfu.midToParticipant[event.transceiver.mid] = event.streams[0].id;
    }
    if (event.track.kind === 'video') {
      measureFirstFrame(event.receiver);
    }
  };
  pc.onicecandidate = event => {
    if (event.candidate) {
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
  document.getElementById('call').onclick = () => startCall();
}

// The signaling connection. If it drops without a goodbye (network change, server restart of the proxy), the page
// reconnects with its client id and resume token (docs/PROTOCOL.md, "Resuming a session"): the server has kept the
// participant, its tracks and its media path for the grace period, so the call goes on.
function connectSignaling(resume) {
  const query = new URLSearchParams();
  if (room) {
    query.set('room', room);
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
  // Messages are handled one after another so that an answer is never applied before the offer it answers.
  let queue = Promise.resolve();
  ws.onmessage = event => {
    const message = JSON.parse(event.data);
    queue = queue.then(() => handleMessage(message)).catch(error => {
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
    if ((event.code === 1006 || event.code === 4408) && sfu.resumeToken && Date.now() - sfu.lostAt < sfu.reconnectGraceMs) {
      setTimeout(() => connectSignaling(true), 500);
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

async function handleMessage(message) {
  switch (message.type) {
    case 'client_id':
      if (sfu.resuming && message.data !== sfu.clientId) {
        // The session could not be resumed (it ended meanwhile): start over as a new participant.
        status('session lost; starting a new one');
        location.reload();
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
      if (autoOffer) {
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
    case 'room':
      sfu.room = message.data.name;
      sfu.participants = message.data.participants.slice();
      status('in room ' + sfu.room + ' with ' + sfu.participants.length + ' others');
      break;
    case 'participant_joined':
      sfu.participants.push(message.data.id);
      status(message.data.id + ' joined');
      break;
    case 'participant_left': {
      sfu.participants = sfu.participants.filter(id => id !== message.data.id);
      // The server names each participant's stream after its client id (a=msid).
      const tile = document.getElementById('remote-' + message.data.id);
      if (tile) {
        tile.remove();
      }
      status(message.data.id + ' left');
      break;
    }
    case 'dominant_speaker': {
      sfu.dominantSpeaker = message.data.id;
      for (const tile of document.querySelectorAll('.tile')) {
        tile.classList.toggle('speaking', tile.id === 'remote-' + message.data.id);
      }
      break;
    }
    case 'error':
      sfu.errors.push(message.data);
      status('server error: ' + message.data.code + ': ' + message.data.message);
      break;
    default:
      // Messages added by later versions of the server are ignored, as the API document's clients do.
      break;
  }
}

main().catch(error => {
  sfu.errors.push(String(error));
  status('error: ' + error);
});
