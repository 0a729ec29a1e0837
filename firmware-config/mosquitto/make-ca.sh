#!/usr/bin/env bash
# A small certificate authority for a Lumbung hub's broker.
#   firmware-config/mosquitto/make-ca.sh DIR HOSTNAME [IP]
# writes DIR/ca.crt (give this to every station: [mqtt] ca_file), DIR/ca.key (keep it offline),
# and DIR/server.crt + DIR/server.key for Mosquitto's TLS listener, valid for HOSTNAME (and IP).
# Run it again with the same DIR to issue a new server certificate from the same CA.
set -euo pipefail
if [ $# -lt 2 ]; then
    echo "usage: $0 DIR HOSTNAME [IP]" >&2
    exit 2
fi
dir=$1
host=$2
ip=${3:-}
mkdir -p "$dir"
cd "$dir"
umask 077
if [ ! -f ca.key ]; then
    openssl req -x509 -newkey rsa:3072 -sha256 -days 3650 -nodes \
        -keyout ca.key -out ca.crt -subj "/O=Lumbung/CN=Lumbung hub CA" >/dev/null 2>&1
fi
san="DNS:$host"
[ -n "$ip" ] && san="$san,IP:$ip"
openssl req -newkey rsa:2048 -sha256 -nodes -keyout server.key -out server.csr \
    -subj "/O=Lumbung/CN=$host" >/dev/null 2>&1
printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$san" > server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days 825 \
    -extfile server.ext -out server.crt >/dev/null 2>&1
rm -f server.csr server.ext
chmod 0644 ca.crt server.crt
echo "CA: $dir/ca.crt; broker certificate for $san: $dir/server.crt, $dir/server.key"
