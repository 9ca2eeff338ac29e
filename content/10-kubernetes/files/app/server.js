// hello-node: a tiny web service with no dependencies but Node.js itself.
// It listens on $PORT (3000 if unset) and says which version it is: the
// version comes from the environment variable APP_VERSION.
const http = require('http');
const os = require('os');

const port = Number(process.env.PORT) || 3000;
const version = process.env.APP_VERSION || 'unknown';

const server = http.createServer((req, res) => {
  console.log(`${new Date().toISOString()} ${req.method} ${req.url}`);
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`Hello from hello-node version ${version} on ${os.hostname()}\n`);
});

server.listen(port, () => {
  console.log(`hello-node ${version} listening on port ${port}`);
});

// `docker stop` sends SIGTERM: close the server and exit instead of
// waiting to be killed ten seconds later.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    console.log(`${signal} received, shutting down`);
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  });
}
