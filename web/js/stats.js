// stats.js -- turns RTCPeerConnection.getStats() into the few numbers the device
// test needs: what came back from the server (frames decoded, packets received
// and lost), the transport's DTLS/SRTP state and the selected pair's round trip.
// Pure reading: it changes nothing on the connection.

/** A flat summary of pc.getStats(); absent values are null. */
export async function collectStats(pc) {
  if (!pc) return null;
  const report = await pc.getStats();
  return summarize(report, pc);
}

function summarize(report, pc) {
  const s = {
    connectionState: pc.connectionState,
    iceConnectionState: pc.iceConnectionState,
    videoFramesDecoded: 0, videoPacketsReceived: 0, videoPacketsLost: 0,
    videoFrameWidth: null, videoFrameHeight: null, videoCodec: null,
    audioPacketsReceived: 0, audioPacketsLost: 0, audioCodec: null,
    videoFramesSent: 0, audioPacketsSent: 0,
    srtpCipher: null, dtlsState: null, dtlsCipher: null, tlsVersion: null,
    dtlsRole: null, rtt: null, localCandidateType: null, remoteCandidateType: null,
  };
  const codecs = new Map();
  let transport = null;
  report.forEach((r) => {
    if (r.type === 'codec') codecs.set(r.id, r.mimeType);
    if (r.type === 'transport' && (!transport || r.selectedCandidatePairId)) transport = r;
  });
  report.forEach((r) => {
    if (r.type === 'inbound-rtp') addInbound(s, r, codecs);
    if (r.type === 'outbound-rtp' && r.kind === 'video') s.videoFramesSent += r.framesSent || 0;
    if (r.type === 'outbound-rtp' && r.kind === 'audio') s.audioPacketsSent += r.packetsSent || 0;
  });
  if (transport) {
    s.srtpCipher = transport.srtpCipher ?? null;
    s.dtlsState = transport.dtlsState ?? null;
    s.dtlsCipher = transport.dtlsCipher ?? null;
    s.tlsVersion = transport.tlsVersion ?? null;
    s.dtlsRole = transport.dtlsRole ?? null;
  }
  const pair = selectedPair(report, transport);
  if (pair) {
    s.rtt = pair.currentRoundTripTime ?? null;
    s.localCandidateType = report.get(pair.localCandidateId)?.candidateType ?? null;
    s.remoteCandidateType = report.get(pair.remoteCandidateId)?.candidateType ?? null;
  }
  return s;
}

function addInbound(s, r, codecs) {
  const codec = codecs.get(r.codecId) || null;
  if (r.kind === 'video') {
    s.videoFramesDecoded += r.framesDecoded || 0;
    s.videoPacketsReceived += r.packetsReceived || 0;
    s.videoPacketsLost += Math.max(0, r.packetsLost || 0);
    s.videoFrameWidth = r.frameWidth ?? s.videoFrameWidth;
    s.videoFrameHeight = r.frameHeight ?? s.videoFrameHeight;
    s.videoCodec = codec || s.videoCodec;
  } else if (r.kind === 'audio') {
    s.audioPacketsReceived += r.packetsReceived || 0;
    s.audioPacketsLost += Math.max(0, r.packetsLost || 0);
    s.audioCodec = codec || s.audioCodec;
  }
}

function selectedPair(report, transport) {
  if (transport && transport.selectedCandidatePairId) {
    const p = report.get(transport.selectedCandidatePairId);
    if (p) return p;
  }
  let found = null;
  report.forEach((r) => {
    if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded') found = r;
  });
  return found;
}

/** Packet loss between two summaries as a fraction (0..1), or null without traffic. */
export function lossBetween(prev, cur) {
  if (!prev || !cur) return null;
  const recv = (cur.videoPacketsReceived + cur.audioPacketsReceived)
    - (prev.videoPacketsReceived + prev.audioPacketsReceived);
  const lost = (cur.videoPacketsLost + cur.audioPacketsLost)
    - (prev.videoPacketsLost + prev.audioPacketsLost);
  if (recv + lost <= 0) return null;
  return Math.max(0, lost) / (recv + Math.max(0, lost));
}
