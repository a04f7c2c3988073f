package org.sfu.signaling;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The seams of docs/ARCHITECTURE.md as rules over the compiled server: modules depend one way, and the packet path
 * never reaches into negotiation, signaling or a participant's session. A rule that fails names the class and the
 * dependency that broke it.
 */
class ArchitectureTest {
    private static JavaClasses server;

    @BeforeAll
    static void importServer() {
        server = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.sfu");
    }

    @Test
    void modulesDependOneWaySignalingThenMediaThenIceAndDtlsSrtpThenPacket() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("signaling").definedBy("org.sfu.signaling..")
                .layer("media").definedBy("org.sfu.media..")
                .layer("ice").definedBy("org.sfu.ice..")
                .layer("dtls-srtp").definedBy("org.sfu.dtls..", "org.sfu.srtp..")
                .layer("packet").definedBy("org.sfu.packet..")
                .whereLayer("signaling").mayNotBeAccessedByAnyLayer()
                .whereLayer("media").mayOnlyBeAccessedByLayers("signaling")
                .whereLayer("ice").mayOnlyBeAccessedByLayers("media", "signaling")
                .whereLayer("dtls-srtp").mayOnlyBeAccessedByLayers("media", "signaling")
                .whereLayer("packet").mayOnlyBeAccessedByLayers("dtls-srtp", "media", "signaling")
                .check(server);
    }

    @Test
    void packetFormatsAndTransportsKnowNothingOfNegotiationRoutingOrSignaling() {
        noClasses().that().resideInAnyPackage("org.sfu.packet..", "org.sfu.media.rtp..", "org.sfu.media.rtcp..",
                        "org.sfu.media.rtx..", "org.sfu.media.feedback..", "org.sfu.media.transport..",
                        "org.sfu.media.bwe..")
                .should().dependOnClassesThat().resideInAnyPackage("org.sfu.media.negotiation..",
                        "org.sfu.media.sdp..", "org.sfu.media.router..", "org.sfu.signaling..")
                .check(server);
    }

    @Test
    void theForwardingPathNeverCallsNegotiationOrSignaling() {
        // What runs per packet on a media worker: a participant's RTP session (SSRC demultiplexing), a producer's
        // fan-out, a consumer's rewriting, RTCP routing and the server's own feedback. None of it may build
        // descriptions, send signaling, or reach a participant's control side (Peer), the room, or the room's
        // observers (RoomEvents: webhooks).
        noClasses().that().haveFullyQualifiedName("org.sfu.media.router.Producer")
                .or().haveFullyQualifiedName("org.sfu.media.router.Consumer")
                .or().haveFullyQualifiedName("org.sfu.media.router.RtcpRouting")
                .or().haveFullyQualifiedName("org.sfu.media.router.ReceiverFeedback")
                .or().haveFullyQualifiedName("org.sfu.media.router.SessionStreams")
                .or().haveFullyQualifiedName("org.sfu.media.router.RtpSession")
                .should().dependOnClassesThat().resideInAnyPackage("org.sfu.media.negotiation..",
                        "org.sfu.signaling..")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("org.sfu.media.router.Peer")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("org.sfu.media.router.PeerSignaling")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("org.sfu.media.router.Router")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("org.sfu.media.router.RoomEvents")
                .check(server);
    }
}
