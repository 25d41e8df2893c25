"""A real Dovecot IMAP server for the tests: its own config in a temp dir, loopback only.

One passwd-file user, a Maildir under the temp dir, IMAP (STARTTLS) and IMAPS on free loopback
ports with a certificate from the lab CA, logs to a file. Started with ``-F`` so the master process
is ours; stopped by its PID.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import trustme

from tests.intake.mailgen import Mailbox

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER = "reports@example.net"
PASSWORD = "correct horse battery staple"


def dovecot_missing_reason() -> str | None:
    """Why Dovecot cannot run here, or None."""
    if not Path(DOVECOT).exists():
        return "dovecot is not installed (apt-get install dovecot-imapd)"
    if not Path("/usr/lib/dovecot/imap").exists():
        return "dovecot's imap service is missing (apt-get install dovecot-imapd)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Dovecot:
    root: Path
    imap_port: int
    imaps_port: int
    ca_file: Path
    mail_uid: int
    mail_gid: int
    proc: subprocess.Popen[bytes] | None = None
    mailbox: Mailbox | None = None
    """What the test wrote into INBOX, if anything."""

    def own_mail(self) -> None:
        """Hand the mail files written by the test to the mailbox's user (when we are root)."""
        if os.getuid() != 0:
            return
        for dirpath, _dirs, files in os.walk(self.root / "home"):
            os.chown(dirpath, self.mail_uid, self.mail_gid)
            for name in files:
                os.chown(os.path.join(dirpath, name), self.mail_uid, self.mail_gid)

    @property
    def maildir(self) -> Path:
        return self.root / "home" / "Maildir"

    @property
    def log(self) -> Path:
        return self.root / "dovecot.log"

    def add_folder(self, name: str, mails: list[bytes]) -> Path:
        """A Maildir++ folder ``name`` holding ``mails`` (readable by the server at once)."""
        folder = self.maildir / f".{name}"
        for sub in ("cur", "new", "tmp"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        for i, data in enumerate(mails):
            (folder / "new" / f"{1_800_000_000 + i}.M{i}P{os.getpid()}.{name}").write_bytes(data)
        self.own_mail()
        return folder

    def renumber(self, name: str) -> None:
        """Make the server give folder ``name`` a new UIDVALIDITY, as after a mailbox rebuild.

        Dovecot takes UIDVALIDITY from the clock: wait past the second, then drop its UID list
        and indexes; the next SELECT rebuilds them with a new UIDVALIDITY.
        """
        time.sleep(1.1)
        for path in (self.maildir / f".{name}").iterdir():
            if path.name.startswith("dovecot"):
                path.unlink()

    def imaps_url(self, folder: str = "INBOX") -> str:
        return f"imaps://{USER.replace('@', '%40')}@localhost:{self.imaps_port}/{folder}"

    def imap_url(self, folder: str = "INBOX") -> str:
        return f"imap://{USER.replace('@', '%40')}@localhost:{self.imap_port}/{folder}"

    def start(self) -> None:
        self.own_mail()
        self.proc = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=open(self.root / "dovecot.stderr", "wb"),  # noqa: SIM115 - lives with the process
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.diagnostics()}")
            try:
                with socket.create_connection(("127.0.0.1", self.imaps_port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not start listening: {self.diagnostics()}")

    def diagnostics(self) -> str:
        text = ""
        for name in ("dovecot.stderr", "dovecot.log"):
            path = self.root / name
            if path.exists():
                text += path.read_text(errors="replace")[-2000:]
        return text

    def imap_process_pids(self) -> list[int]:
        """PIDs of the per-connection ``imap`` processes this master started."""
        assert self.proc is not None
        master = self.proc.pid
        children: list[int] = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            comm = stat[stat.index("(") + 1 : stat.rindex(")")]
            ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
            if ppid == master and comm == "imap":
                children.append(int(entry))
        return children

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None


def make_dovecot(root: Path, ca: trustme.CA) -> Dovecot:
    """Write a self-contained config under ``root``; the server is not started yet."""
    me = pwd.getpwuid(os.getuid())
    home = root / "home"
    for sub in ("cur", "new", "tmp"):
        (home / "Maildir" / sub).mkdir(parents=True, exist_ok=True)
    (root / "run").mkdir()
    (root / "state").mkdir()
    leaf = ca.issue_cert("localhost", "127.0.0.1")
    leaf.private_key_pem.write_to_path(str(root / "key.pem"))
    leaf.cert_chain_pems[0].write_to_path(str(root / "cert.pem"))
    ca_file = root / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    imap_port, imaps_port = _free_port(), _free_port()
    if os.getuid() == 0:
        # Dovecot refuses root for its login and internal processes and for mail access: use the
        # package's own users and "nobody" for the mailbox, who must be able to reach the dir.
        internal, login = "dovecot", "dovenull"
        me = pwd.getpwnam("nobody")
        root.chmod(0o755)
    else:
        internal = login = me.pw_name
    (root / "passwd").write_text(
        f"{USER}:{{PLAIN}}{PASSWORD}:{me.pw_uid}:{me.pw_gid}::{home}::\n", encoding="utf-8"
    )
    (root / "dovecot.conf").write_text(
        f"""
base_dir = {root}/run
state_dir = {root}/state
instance_name = mtasts-tui-test-{imaps_port}
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain
auth_failure_delay = 0
first_valid_uid = {me.pw_uid}
last_valid_uid = {me.pw_uid}
first_valid_gid = {me.pw_gid}
default_internal_user = {internal}
default_login_user = {login}
mail_location = maildir:~/Maildir
mail_privileged_group =
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
  # No auth penalty: the wrong-password test must not slow every later login down.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  chroot =
}}
""",
        encoding="utf-8",
    )
    return Dovecot(root, imap_port, imaps_port, ca_file, me.pw_uid, me.pw_gid)
