# gcc:12-bookworm for the course: Debian's GCC 12 with the C library
# headers and make (upstream gcc:12 also has g++ and gfortran).
ARG BASE
FROM ${BASE}
ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev make \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt/* /var/log/dpkg.log
CMD ["bash"]
