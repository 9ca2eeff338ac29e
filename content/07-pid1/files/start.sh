#!/bin/sh
# Starts the server the way you would on a server of your own: in the
# background, so that this script (and your terminal) is free again.
nohup node server.js >/dev/null 2>&1 &
echo "server started in the background, process $!"
