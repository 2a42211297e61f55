// PeerJS baseline camera: answers every call with the camera stream. Query: ?id=<peer id>.
const query = new URLSearchParams(location.search);
const peerOptions = { host: location.hostname, port: Number(location.port), path: '/peerjs', debug: 0, config: { iceServers: [] } };
const stateEl = document.getElementById('state');
const liveEl = document.getElementById('live');
const calls = new Set();

document.getElementById('start').addEventListener('click', async () => {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } },
    audio: true,
  });
  const preview = document.getElementById('preview');
  preview.srcObject = stream;
  preview.play().catch(() => undefined);
  const peer = new Peer(query.get('id'), peerOptions);
  peer.on('open', (id) => {
    document.getElementById('id').textContent = id;
    stateEl.dataset.state = 'open';
  });
  peer.on('error', (error) => {
    stateEl.dataset.state = 'error';
    stateEl.textContent = String(error.type || error);
  });
  peer.on('call', (call) => {
    calls.add(call);
    call.on('close', () => calls.delete(call));
    call.on('error', () => calls.delete(call));
    call.answer(stream);
  });
});

// Connected calls, for the bench to wait until a finished call is really gone.
setInterval(() => {
  let live = 0;
  for (const call of calls) {
    const state = call.peerConnection ? call.peerConnection.connectionState : 'new';
    if (state === 'closed' || state === 'failed') calls.delete(call);
    else if (state === 'connected') live++;
  }
  liveEl.dataset.live = String(live);
  liveEl.textContent = String(live);
}, 100);
