// Raw loopback: the camera stream sent from one RTCPeerConnection to another in the same page.
const video = document.getElementById('remote');
const source = navigator.mediaDevices.getUserMedia({
  video: { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } },
  audio: true,
});
let pcs = [];

function stop() {
  for (const pc of pcs) pc.close();
  pcs = [];
  video.srcObject = null;
}

/** Candidates wait until their connection has its remote description. */
function relay(from, to, ready) {
  from.addEventListener('icecandidate', (event) => {
    if (event.candidate) ready.then(() => to.addIceCandidate(event.candidate)).catch(() => undefined);
  });
}

document.getElementById('watch').addEventListener('click', async () => {
  stop();
  const stream = await source;
  const sender = new RTCPeerConnection({ iceServers: [] });
  const receiver = new RTCPeerConnection({ iceServers: [] });
  pcs = [sender, receiver];
  let senderReady, receiverReady;
  const senderHasRemote = new Promise((resolve) => (senderReady = resolve));
  const receiverHasRemote = new Promise((resolve) => (receiverReady = resolve));
  relay(sender, receiver, receiverHasRemote);
  relay(receiver, sender, senderHasRemote);
  receiver.addEventListener('track', (event) => {
    const remote = event.streams[0];
    if (!remote || video.srcObject === remote) return;
    video.srcObject = remote;
    video.play().catch(() => undefined);
  });
  for (const track of stream.getTracks()) sender.addTrack(track, stream);
  const offer = await sender.createOffer();
  await sender.setLocalDescription(offer);
  await receiver.setRemoteDescription(offer);
  receiverReady();
  const answer = await receiver.createAnswer();
  await receiver.setLocalDescription(answer);
  await sender.setRemoteDescription(answer);
  senderReady();
});
document.getElementById('stop').addEventListener('click', stop);
