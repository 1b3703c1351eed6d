// The Node peer of bench/tls.sh: Node's built-in `https` with `ws` (Debian's node-ws), echoing every message back
// to its sender on /ws/echo, as LastWord's test endpoint does. Run: NODE_PATH=/usr/share/nodejs node node-wss.js
// PORT CERT KEY (binds 127.0.0.1:PORT). Node's TLS defaults (TLS 1.2 and 1.3, its default cipher list, session
// tickets on) are left as they are; compression is off, as in wsbench's Node peer.
'use strict';
const fs = require('fs');
const https = require('https');
const { WebSocketServer } = require('ws');

const [port, cert, key] = process.argv.slice(2);
const echo = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 1 << 20 });
echo.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});

const server = https.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) },
  (req, res) => res.end('node https peer\n'));
server.on('upgrade', (req, socket, head) => {
  if (req.url.split('?')[0] !== '/ws/echo') { socket.destroy(); return; }
  echo.handleUpgrade(req, socket, head, (ws) => echo.emit('connection', ws, req));
});
server.listen(parseInt(port, 10), '127.0.0.1', 4096, () => console.log(`serving https://127.0.0.1:${port}/`));
