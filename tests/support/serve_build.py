"""Serve the production build already made by `reflex run --env prod --single-port`, without
making it again: the same backend on the same port with the same compiled frontend mounted, as
that command starts once its build is done (reflex/reflex.py, `_run` and `_run_prod`).

The browser tests restart the app server (a restart mid-chat, a different rate limit); the code
has not changed in between, so a fresh Vite build (about 40 s on two cores) would only cost
time. Run from the project root: `python -m tests.support.serve_build`."""

from __future__ import annotations

import os

from reflex import constants
from reflex.config import get_config
from reflex.environment import environment
from reflex.istate.manager import reset_disk_state_manager
from reflex.utils import exec, prerequisites


def main() -> None:
    prerequisites.assert_in_reflex_dir()
    built = prerequisites.get_web_dir() / constants.Dirs.STATIC
    if not (built / "index.html").exists():
        raise SystemExit(f"no production build in {built}: run `reflex run --env prod` first")
    environment.REFLEX_ENV_MODE.set(constants.Env.PROD)
    reset_disk_state_manager()
    port = int(os.environ["PORT"])
    config = get_config()
    config._set_persistent(frontend_port=port, backend_port=port)
    environment.REFLEX_SKIP_COMPILE.set(True)
    exec.run_backend_prod(
        config.backend_host,
        port,
        config.loglevel.subprocess_level(),
        mount_frontend_compiled_app=True,
    )


if __name__ == "__main__":
    main()
