# labd itself in a container (for hosts with a registry). It drives the host's
# Docker engine, so run it with the socket mounted:
#   docker run -d -p 8080:8080 -v /var/run/docker.sock:/var/run/docker.sock \
#     -v labd-data:/data labd serve --addr :8080 --auth password --join-code CODE
# The sandbox image is built on the host: `labd image build` (needs debootstrap).
FROM golang:1.26-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm make && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY go.mod go.sum package.json package-lock.json ./
RUN go mod download && npm ci --no-audit --no-fund
COPY . .
RUN make build

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/bin/labd /usr/local/bin/labd
VOLUME /data
ENV LABD_DATA_DIR=/data
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/labd"]
CMD ["serve", "--addr", ":8080"]
