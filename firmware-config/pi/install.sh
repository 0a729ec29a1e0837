#!/usr/bin/env bash
# Install the Lumbung station agent on Raspberry Pi OS (bookworm).  Run as root from a copy of
# the repository:  sudo firmware-config/pi/install.sh firmware-config/stations/punten.toml
# It creates the service user, installs lumbung[edge] in /opt/lumbung/venv, the udev rules
# and the systemd unit, copies the station's config to /etc/lumbung/station.toml, checks it,
# and starts the agent.  Run it again to upgrade; the outbox in /var/lib/lumbung is kept.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
    echo "run as root: sudo $0 $*" >&2
    exit 1
fi
if [ $# -ne 1 ] || [ ! -f "$1" ]; then
    echo "usage: sudo $0 STATION.toml   (one of firmware-config/stations/*.toml, edited)" >&2
    exit 2
fi
station_file=$1
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

apt-get update -qq
apt-get install -y -qq --no-install-recommends python3-venv python3-dev gcc chrony >/dev/null

id lumbung >/dev/null 2>&1 || useradd --system --home /var/lib/lumbung --shell /usr/sbin/nologin lumbung
usermod -a -G dialout,input lumbung

python3 -m venv /opt/lumbung/venv
/opt/lumbung/venv/bin/pip install -q --upgrade pip
/opt/lumbung/venv/bin/pip install -q "$repo[edge]"

install -d -o root -g lumbung -m 0750 /etc/lumbung
install -d -o lumbung -g lumbung -m 0750 /var/lib/lumbung
install -o root -g lumbung -m 0640 "$station_file" /etc/lumbung/station.toml
if [ ! -f /etc/lumbung/mqtt-password ]; then
    install -o root -g lumbung -m 0640 /dev/null /etc/lumbung/mqtt-password
    echo "put this station's broker password in /etc/lumbung/mqtt-password"
fi

install -m 0644 "$here/99-lumbung.rules" /etc/udev/rules.d/99-lumbung.rules
udevadm control --reload-rules && udevadm trigger

/opt/lumbung/venv/bin/lumbung edge check-config /etc/lumbung/station.toml

install -m 0644 "$here/lumbung-edge.service" /etc/systemd/system/lumbung-edge.service
systemctl daemon-reload
systemctl enable --now lumbung-edge.service
systemctl --no-pager status lumbung-edge.service | head -5
echo "station display: http://127.0.0.1:8080/ (open it full-screen: chromium --kiosk http://127.0.0.1:8080/)"
