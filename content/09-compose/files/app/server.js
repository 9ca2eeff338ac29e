// A page that counts its visitors in Redis. No npm packages: it speaks
// Redis's own protocol (RESP) over a plain TCP socket.
const http = require('http');
const net = require('net');
const os = require('os');

const REDIS_HOST = process.env.REDIS_HOST || 'localhost';
const REDIS_PORT = Number(process.env.REDIS_PORT || 6379);

// Send one command, e.g. redis('INCR', 'hits'), and resolve with Redis's reply.
// RESP: a command is an array of strings: *2\r\n$4\r\nINCR\r\n$4\r\nhits\r\n
// A reply is one line: :5 (a number), +OK (a status) or -ERR ... (an error).
function redis(...args) {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(REDIS_PORT, REDIS_HOST);
    let reply = '';
    socket.setTimeout(2000, () => socket.destroy(new Error('no answer within 2 s')));
    socket.on('connect', () =>
      socket.write(`*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')));
    socket.on('data', (data) => { reply += data; if (reply.endsWith('\r\n')) socket.end(); });
    socket.on('error', reject);
    socket.on('close', () => {
      if (reply.startsWith('-')) reject(new Error(reply.slice(1).trim()));
      else if (reply) resolve(reply.slice(1).trim());
      else reject(new Error('Redis closed the connection without answering'));
    });
  });
}

const server = http.createServer(async (req, res) => {
  if (req.url !== '/') { res.writeHead(404); res.end(); return; }
  try {
    const hits = await redis('INCR', 'hits');
    console.log(`${req.method} ${req.url} -> visit ${hits}`);
    res.end(`Hello! This page has been seen ${hits} times. (answered by ${os.hostname()})\n`);
  } catch (err) {
    console.log(`${req.method} ${req.url} -> Redis at ${REDIS_HOST}:${REDIS_PORT} failed: ${err.message}`);
    res.writeHead(500);
    res.end(`Cannot reach Redis at ${REDIS_HOST}:${REDIS_PORT}: ${err.message}\n`);
  }
});

server.listen(3000, () => console.log(`listening on port 3000, counting in Redis at ${REDIS_HOST}:${REDIS_PORT}`));

// As PID 1 in its container, node gets no default handler for SIGTERM:
// without this line, `docker compose stop` would wait 10 s, then kill it.
process.on('SIGTERM', () => process.exit(0));
