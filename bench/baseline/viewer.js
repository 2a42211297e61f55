// PeerJS baseline viewer: registers on load, calls the camera on Watch. Query: ?camera=<camera peer id>.
const query = new URLSearchParams(location.search);
const peerOptions = { host: location.hostname, port: Number(location.port), path: '/peerjs', debug: 0, config: { iceServers: [] } };
const stateEl = document.getElementById('state');
const video = document.getElementById('remote');
const peer = new Peer(peerOptions);
let call = null;

peer.on('open', () => (stateEl.dataset.state = 'open'));
peer.on('error', (error) => {
  stateEl.dataset.state = 'error';
  stateEl.textContent = String(error.type || error);
});

function stop() {
  if (call) call.close();
  call = null;
  video.srcObject = null;
}

function dial() {
  // PeerJS needs a local stream to call; a receive-only viewer offers an empty one and asks to receive.
  call = peer.call(query.get('camera'), new MediaStream(), { constraints: { offerToReceiveAudio: true, offerToReceiveVideo: true } });
  call.on('stream', (remote) => {
    if (video.srcObject === remote) return;
    video.srcObject = remote;
    video.play().catch(() => {
      video.muted = true;
      return video.play();
    });
  });
}

document.getElementById('watch').addEventListener('click', () => {
  stop();
  // PeerJS drops what is sent before its socket is open, so a Watch right after load waits for 'open'.
  if (peer.open) dial();
  else peer.once('open', dial);
});
document.getElementById('stop').addEventListener('click', stop);
