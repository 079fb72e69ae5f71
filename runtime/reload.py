"""Hot reload: a served app whose definition changed is compiled, migrated and swapped in while
requests keep running; a definition that does not compile, or would need consent to migrate, is
refused (logged, or shown on the upload page) and the old version keeps serving.

Each process (each gunicorn worker) watches for itself, at most once a `interval`, from the
request that happens to come first: the definition files' stamps (mtime, size, inode) and the
apps' rows in tessera_apps (another worker or `tessera upgrade` moved the database on). The
first process to migrate takes the migration lock; the others find the work done and only swap.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import stat
import tempfile
import threading
import time
from dataclasses import dataclass

from builder import BuildError, BuildFailed, compile_app
from builder.errors import Mark
from runtime import lifecycle

log = logging.getLogger("tessera.reload")


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str
    lines: tuple[str, ...] = ()     # what the migration changed, or would have
    errors: tuple[str, ...] = ()    # build errors, file:line:col: path: message


class Reloader:
    def __init__(self, platform, interval: float = 1.0):
        self.platform, self.interval = platform, interval
        self._lock = threading.Lock()          # one reload at a time in this process
        self._due = 0.0
        self._seen = {name: (_stamps(inst.app.files), inst.app.definition_hash)
                      for name, inst in platform.apps.items()}

    def poll(self) -> None:
        """Called before every request; checks at most once an interval and never makes a request
        wait for another thread's check (the others go on with the apps as they are)."""
        now = time.monotonic()
        if self.interval <= 0 or now < self._due or not self._lock.acquire(blocking=False):
            return
        try:
            if now >= self._due:
                self._due = now + self.interval
                self._check()
        except Exception:   # a failed check must never fail the request that ran it
            log.exception("checking the app definitions for changes failed")
        finally:
            self._lock.release()

    def upload(self, name: str, data: bytes, filename: str, allow_destructive: bool = False,
               still=None) -> Outcome:
        """Replace the definition file of served app `name` by `data`, if it compiles and migrates.
        `allow_destructive`: the admin confirmed removals; `still()`: checked under the lock, False
        refuses (the designer's "the file changed since you opened it")."""
        with self._lock:
            inst = self.platform.apps.get(name)
            if inst is None:
                return Outcome(False, f"app '{name}' is not served by this server")
            if still is not None and not still():
                return Outcome(False, "the definition file changed meanwhile; nothing was changed")
            source = inst.app.source
            folder = os.path.dirname(os.path.abspath(source))
            if not os.access(folder, os.W_OK) or not os.access(source, os.W_OK):
                return Outcome(False, f"this server cannot write {source}; nothing was changed")
            fd, tmp = tempfile.mkstemp(prefix=".upload-", suffix=".yaml", dir=folder)  # beside it: includes resolve
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                outcome = self._reload(name, tmp, shown=os.path.basename(filename) or "upload.yaml",
                                       install=lambda: _replace(tmp, source), allow_destructive=allow_destructive)
            finally:
                if os.path.exists(tmp):
                    os.remove(tmp)
            self._seen[name] = (_stamps((source, *inst.app.files[1:])), self.platform.apps[name].app.definition_hash)
            return outcome

    def _check(self) -> None:
        rows = lifecycle.installed_hashes(self.platform)
        for name, inst in list(self.platform.apps.items()):
            if name not in rows:
                self.platform.remove(inst)
                log.warning("app '%s' was uninstalled: no longer served", name)
                continue
            key = (_stamps(inst.app.files), rows[name])
            if key == self._seen.get(name):
                continue
            self._seen[name] = key
            outcome = self._reload(name, inst.app.source)
            now = self.platform.apps[name].app
            if now is not inst.app:
                self._seen[name] = (_stamps(now.files), now.definition_hash)
            if outcome.ok and rows[name] not in (inst.app.definition_hash, self.platform.apps[name].app.definition_hash):
                log.warning("app '%s': the database holds another version of its definition than %s; "
                            "this server keeps serving its file", name, inst.app.source)

    def _reload(self, name: str, path: str, shown: str | None = None, install=None,
                allow_destructive: bool = False) -> Outcome:
        inst = self.platform.apps[name]
        source = inst.app.source
        try:
            app = compile_app(path)
        except BuildFailed as exc:
            errors = tuple(str(_renamed(e, path, shown)) for e in exc.errors)
            log.error("app '%s': the changed definition %s was refused; the old one keeps serving:\n%s",
                      name, shown or path, "\n".join(errors))
            return Outcome(False, f"{len(errors)} error(s); app '{name}' was not changed", errors=errors)
        if app.name != name:
            message = (f"the definition is of app '{app.name}', not '{name}'; a new app is installed with "
                       "`tessera install FILE`")
            log.error("%s: %s", shown or path, message)
            return Outcome(False, message)
        if app.definition_hash == inst.app.definition_hash:
            return Outcome(True, f"app '{name}' is unchanged")
        app = dataclasses.replace(app, source=source, files=(source, *app.files[1:]))
        new = self.platform.build(app, fresh=True)   # complete before anything is swapped
        try:
            done = lifecycle.upgrade(self.platform, new, allow_destructive=allow_destructive)
        except lifecycle.LifecycleError as exc:
            log.error("app '%s': the changed definition %s was refused; the old one keeps serving: %s\n%s",
                      name, shown or path, exc, "\n".join(exc.lines))
            return Outcome(False, str(exc), lines=tuple(exc.lines))
        self.platform.apps.put(new)    # one assignment: requests from now on get the new version
        log.info("app '%s' reloaded: version %s (%s)", name, app.version, app.definition_hash[:12])
        lines = tuple(done.lines())
        try:
            if install is not None:
                install()
        except OSError as exc:         # checked writable before; rare, but the database is upgraded already
            log.error("app '%s' was upgraded, but %s could not be written: %s", name, source, exc)
            return Outcome(False, f"the database was upgraded and this server reloaded, but {source} "
                                  f"could not be written ({exc.strerror}): copy the file there by hand", lines)
        return Outcome(True, f"app '{name}' now runs version {app.version}", lines)


def interval_from(text: str | None, default: float = 1.0) -> float:
    """TESSERA_RELOAD_INTERVAL: seconds between checks, 0 for none; a value that is not a number is
    noted in the log and the default used (a typo must not keep the server from starting)."""
    try:
        return max(0.0, float(text)) if text not in (None, "") else default
    except ValueError:
        log.warning("TESSERA_RELOAD_INTERVAL=%r is not a number of seconds; checking every %s s", text, default)
        return default


def _replace(new: str, target: str) -> None:
    """Put `new` in the place of `target` in one step, keeping its permissions (mkstemp makes 0600)."""
    os.chmod(new, stat.S_IMODE(os.stat(target).st_mode))
    os.replace(new, target)


def _stamps(files) -> tuple:
    """Cheap signs that a file changed (no reading): mtime, size and inode (an editor's replace)."""
    out = []
    for path in files:
        try:
            st = os.stat(path)
            out.append((path, st.st_mtime_ns, st.st_size, st.st_ino))
        except OSError:
            out.append((path, None))
    return tuple(out)


def _renamed(error: BuildError, path: str, shown: str | None) -> BuildError:
    """An error in an uploaded file, named as the person uploading it knows the file."""
    if shown is None or os.path.realpath(error.mark.file) != os.path.realpath(path):
        return error
    return BuildError(Mark(shown, error.mark.line, error.mark.column), error.path, error.message)


def log_reloads(handlers) -> None:
    """Send the reloader's notes (an app reloaded, a definition refused) to a server's own log."""
    for handler in handlers:
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False     # once: not again through a root logger the server set up too
