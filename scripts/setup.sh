#!/usr/bin/env bash
# Installs everything Inkframe Studio needs on a fresh Debian machine, then returns.
#   bash scripts/setup.sh app   system packages + .venv with the runtime requirements
#   bash scripts/setup.sh dev   the same + test tools (Chromium, redis-server, pytest, Playwright, ...)
#   bash scripts/setup.sh comfyui [DIR] [--source URL_OR_PATH] ...
#                               `app`, then the embedded ComfyUI (pinned release + node packs, its own venv)
#                               into DIR (default comfyui/), and comfyui.launch in config.local.yaml;
#                               `.venv/bin/python main.py comfyui install --help` lists the options
# Re-running is cheap: each step is skipped when what it installs is already there and unchanged.
set -euo pipefail
mode="${1:-app}"
case "$mode" in app|dev|comfyui) ;; *) echo "usage: bash scripts/setup.sh [app|dev|comfyui [DIR] [options]]" >&2; exit 2 ;; esac
cd "$(dirname "$0")/.."
root="$PWD"
if [ "$mode" = comfyui ]; then
  shift
  bash scripts/setup.sh app  # the studio's environment runs the installer
  if ! command -v git >/dev/null; then
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends git >/dev/null
  fi
  exec .venv/bin/python main.py comfyui install "$@"
fi

apt_packages=(ffmpeg fontconfig libfribidi0 libharfbuzz0b fonts-comic-neue fonts-noto-cjk fonts-dejavu-core fonts-noto-core)
if [ "$mode" = dev ]; then
  apt_packages+=(chromium redis-server poppler-utils)
fi
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  echo "setup: installing Debian packages: ${missing[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# torch==2.13.0 ships as a CPU wheel for CPython 3.11 on these machines.
python_bin="${INKFRAME_PYTHON:-}"
if [ -z "$python_bin" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      python_bin="$(command -v "$candidate")"; break
    fi
  done
fi
[ -n "$python_bin" ] || { echo "setup: Python 3.11 is required (torch 2.13.0 wheels); set INKFRAME_PYTHON to its path." >&2; exit 1; }
[ -x .venv/bin/python ] || "$python_bin" -m venv .venv

requirements=(requirements.txt)
[ "$mode" = dev ] && requirements=(requirements-dev.txt)
stamp=".venv/.inkframe-$mode"
digest="$(cat requirements.txt requirements-dev.txt constraints.txt scripts/setup.sh | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
  echo "setup: installing Python packages into .venv ($mode)"
  export PIP_CONSTRAINT="$root/constraints.txt" PIP_DISABLE_PIP_VERSION_CHECK=1
  .venv/bin/python -m pip install -q --upgrade pip setuptools wheel
  .venv/bin/python -m pip install -q -r "${requirements[@]}"
  # Packages whose declared dependencies would pull a second torch or a conflicting OpenCV.
  .venv/bin/python -m pip install -q --no-deps -r requirements-nodeps.txt
  # gfpgan/basicsr/facexlib/insightface depend on opencv-python(-headless), which share cv2/ with the contrib build:
  # keep exactly one OpenCV (the contrib-headless build ships the Haar cascades).
  for other_cv2 in opencv-python opencv-python-headless opencv-contrib-python; do
    if .venv/bin/python -m pip show -q "$other_cv2" >/dev/null 2>&1; then
      .venv/bin/python -m pip uninstall -q -y "$other_cv2"
    fi
  done
  cv2_spec="$(grep -E '^opencv-contrib-python-headless' requirements.txt)"
  .venv/bin/python -m pip install -q --force-reinstall --no-deps "$cv2_spec"
  echo "$digest" > "$stamp"
fi
echo "setup: ready ($mode)"
