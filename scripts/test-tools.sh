#!/usr/bin/env bash
# The one list of system tools the tests need, with the Debian and Arch package that provides each.
#   --check    silent and exit 0 when every tool is present; else list what is missing, exit 1
#   --install  as root on a system with apt-get: install the missing packages (also the compilers
#              `npm install` needs), then check again; elsewhere it checks and says why it did not install
# Needs bash only (no node): it runs before `npm install`.
set -uo pipefail

# The list is one single-quoted string: no apostrophes in it.
# check                                        Debian package          Arch package             for
TOOLS='
gpgv                                           gpgv                    gnupg                    InRelease signature checks
file:/usr/share/keyrings/debian-archive-keyring.gpg debian-archive-keyring debian-archive-keyring the real bookworm slice in test/data
gpg                                            gnupg                   gnupg                    throw-away signing keys in fixtures
gpgconf                                        gnupg                   gnupg                    stopping the fixtures gpg-agent
xz                                             xz-utils                xz                       .xz fixtures
zstd                                           zstd                    zstd                     .zst fixtures
gzip                                           gzip                    gzip                     .gz fixtures
tar                                            tar                     tar                      package archives
git                                            git                     git                      the Tails backend
openssl                                        openssl                 openssl                  attestations checked by an independent tool
file:/etc/ssl/certs/ca-certificates.crt        ca-certificates         ca-certificates          apt over https in the debian-archive backend
python3:securesystemslib.keys,nacl             in-toto                 in-toto                  attestations checked by the Python in-toto stack
rpm                                            rpm                     rpm-tools                RPM comparison
rpmkeys                                        rpm                     rpm-tools                RPM comparison
rpmbuild                                       rpm                     rpm-tools                real RPM fixtures
rpmsign                                        rpm                     rpm-tools                signed RPM fixtures
diffoscope                                     diffoscope-minimal      diffoscope               reports of BAD rebuilds
apt-get                                        apt                     apt                      the debian-archive backend private apt
apt-config                                     apt                     apt                      the debian-archive backend private apt
dpkg                                           dpkg                    dpkg                     the debian-archive backend
dpkg-deb                                       dpkg                    dpkg                     the debian-archive backend
dpkg-query                                     dpkg                    dpkg                     the debian-archive backend
dpkg-source                                    dpkg-dev                dpkg                     host builds of the debian-archive backend
dpkg-buildpackage                              dpkg-dev                dpkg                     host builds of the debian-archive backend
dpkg-checkbuilddeps                            dpkg-dev                dpkg                     host builds of the debian-archive backend
dpkg-parsechangelog                            dpkg-dev                dpkg                     host builds of the debian-archive backend
fakeroot                                       fakeroot                fakeroot                 host builds of the debian-archive backend
mmdebstrap                                     mmdebstrap              mmdebstrap               chroot builds of the debian-archive backend
unshare                                        util-linux              util-linux               chroot builds of the debian-archive backend
setpriv                                        util-linux              util-linux               the sync process of serve ends with the server
dcmd                                           devscripts              aur:devscripts           the debrebuild backend
perl:String::ShellQuote                        libstring-shellquote-perl  perl-string-shellquote  the debrebuild backend
script                                         bsdutils                util-linux               progress output on a terminal
pkill                                          procps                  procps-ng                stopping leftover test processes
tmux                                           tmux                    tmux                     the TUI driven on a real terminal
zsh                                            zsh                     zsh                      zsh completions asked of a real zsh
fish                                           fish                    fish                     fish completions asked of a real fish
install:make                                   make                    make                     npm install: building better-sqlite3 and zstd-napi
install:g++                                    g++                     gcc                      npm install: building better-sqlite3 and zstd-napi
install:python3                                python3                 python                   npm install: node-gyp
'

# Whether one check passes: a command on PATH, a file, or Python modules of the system python3
# (the one the tests call by path).
present() {
  case "$1" in
    file:*) [ -e "${1#file:}" ] ;;
    python3:*) [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import ${1#python3:}" >/dev/null 2>&1 ;;
    perl:*) perl -M"${1#perl:}" -e 1 >/dev/null 2>&1 ;;
    install:*) command -v "${1#install:}" >/dev/null 2>&1 ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}

# Fills the arrays below with the missing checks; $1 = "all" also checks what npm install needs.
MISSING=() DEBIAN=() ARCH=()
declare -A DEBIAN_SEEN=() ARCH_SEEN=()
find_missing() {
  local check debian arch why shown
  MISSING=() DEBIAN=() ARCH=() DEBIAN_SEEN=() ARCH_SEEN=()
  while read -r check debian arch why; do
    [ -z "$check" ] && continue
    [ "$1" != all ] && [ "${check#install:}" != "$check" ] && continue
    present "$check" && continue
    shown=$arch
    [ "${arch#aur:}" != "$arch" ] && shown="${arch#aur:} (AUR)"
    MISSING+=("$(printf '  %-52s Debian: %-24s Arch: %-18s (%s)' "${check#install:}" "$debian" "$shown" "$why")")
    [ -n "${DEBIAN_SEEN[$debian]:-}" ] || DEBIAN+=("$debian")
    [ -n "${ARCH_SEEN[$arch]:-}" ] || ARCH+=("$arch")
    DEBIAN_SEEN[$debian]=1 ARCH_SEEN[$arch]=1
  done <<<"$TOOLS"
}

# Silent and true when nothing is missing; else the list and how to install it on stderr.
check() {
  find_missing "$1"
  [ ${#MISSING[@]} -eq 0 ] && return 0
  local line pacman=() aur=() arch
  for arch in "${ARCH[@]}"; do
    case "$arch" in aur:*) aur+=("${arch#aur:}") ;; *) pacman+=("$arch") ;; esac
  done
  {
    echo "Missing system tools the tests need:"
    for line in "${MISSING[@]}"; do echo "$line"; done
    echo "Install them:"
    echo "  Debian/Ubuntu, as root:  npm run test:setup"
    echo "                     or:   apt-get install --no-install-recommends ${DEBIAN[*]}"
    [ ${#pacman[@]} -gt 0 ] && echo "  Arch Linux:              pacman -S --needed ${pacman[*]}"
    [ ${#aur[@]} -gt 0 ] && echo "  Arch Linux, from the AUR: ${aur[*]}"
  } >&2
  return 1
}

install() {
  find_missing all
  [ ${#MISSING[@]} -eq 0 ] && return 0
  if [ "$EUID" -ne 0 ]; then
    echo "test-tools: not installing: installing packages needs root." >&2
  elif ! command -v apt-get >/dev/null 2>&1; then
    echo "test-tools: not installing: this system has no apt-get (not Debian or Ubuntu)." >&2
  else
    echo "test-tools: installing ${DEBIAN[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -q &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${DEBIAN[@]}" ||
      echo "test-tools: apt-get failed (see above)." >&2
  fi
  check all
}

case "${1:-}" in
  --check) check tests ;;
  --install) install ;;
  *)
    echo "usage: $0 --check | --install" >&2
    exit 2
    ;;
esac
