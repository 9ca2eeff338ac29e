// A small web server with no dependencies, for the PID 1 lesson.
//   GET /      answers "hello"
//   GET /job   starts a background job through the shell, like many apps
//              do to run a helper program, and answers at once
// Every request is logged: to stdout, or to the file named in LOG_FILE.
const http = require("http");
const fs = require("fs");
const { exec } = require("child_process");

const port = Number(process.env.PORT) || 3000;

function log(message) {
  const line = `${new Date().toISOString()} ${message}\n`;
  if (process.env.LOG_FILE) {
    fs.appendFileSync(process.env.LOG_FILE, line);
  } else {
    process.stdout.write(line);
  }
}

const server = http.createServer((req, res) => {
  if (req.url === "/job") {
    // The shell starts the helper in the background and exits right away:
    // the helper is left without its parent, an orphan.
    exec("sleep 1 </dev/null >/dev/null 2>&1 & echo $!", (err, stdout) => {
      log(`${req.method} ${req.url} started helper ${stdout.trim()}`);
    });
    res.end("job started\n");
    return;
  }
  log(`${req.method} ${req.url}`);
  res.end(`hello from process ${process.pid}\n`);
});

server.listen(port, () => log(`listening on port ${port}, process ${process.pid}`));
