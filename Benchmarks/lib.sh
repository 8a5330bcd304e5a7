# What the side-by-side benchmark scripts share (sourced, from the repository's root): the tools
# they drive, the real deno binary, the switchyard binary, and a scratch folder whose processes
# are all stopped on exit.
#   tools: wrk and curl (Debian), deno (PyPI)
#   $deno: the deno binary itself (a pyenv shim would put a wrapper's pid in front of it)
#   $switchyard: SWITCHYARD_BINARY, or .build/release/switchyard built now
#   $work, $pids: a scratch folder, removed on exit; the pids to stop on exit (append to it)
#   wait_for_log FILE TEXT PID: waits until a server's log shows TEXT (bounded), or it is gone

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }
command -v deno >/dev/null || python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore deno
deno=$(command -v pyenv >/dev/null && pyenv which deno 2>/dev/null || command -v deno)
if [ -n "${SWITCHYARD_BINARY:-}" ]; then
  switchyard=$SWITCHYARD_BINARY
else
  bash scripts/setup.sh >/dev/null
  swift build -c release --product switchyard >/dev/null
  switchyard=.build/release/switchyard
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for_log FILE TEXT PID: until FILE contains TEXT (bounded, 30 s), or the process is gone.
wait_for_log() {
  for _ in $(seq 600); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || break
    sleep 0.05
  done
  echo "did not start: $(tail -5 "$1")" >&2
  return 1
}
