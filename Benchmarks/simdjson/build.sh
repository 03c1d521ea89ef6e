#!/bin/sh
# Builds ./summary against the system simdjson (Debian: apt-get install libsimdjson-dev, 3.0.1).
set -e
cd "$(dirname "$0")"
g++ -O3 -march=native -std=c++17 -o summary summary.cpp -lsimdjson -lpthread
