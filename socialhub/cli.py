"""Operator commands.

python -m socialhub.cli {make-admin,remove-admin,suspend,unsuspend} USERNAME
"""

from __future__ import annotations

import argparse
import sys

from socialhub.db import transaction
from socialhub.domain import auth as auth_domain
from socialhub.domain import users as users_domain
from socialhub.models import SiteRole


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m socialhub.cli")
    parser.add_argument("command", choices=["make-admin", "remove-admin", "suspend", "unsuspend"])
    parser.add_argument("username")
    args = parser.parse_args(argv)
    with transaction() as session:
        user = users_domain.get_user_by_username(session, args.username)
        if user is None:
            print(f"no user named {args.username!r}", file=sys.stderr)
            return 1
        if args.command == "make-admin":
            auth_domain.do_set_role(session, user, SiteRole.admin)
        elif args.command == "remove-admin":
            auth_domain.do_set_role(session, user, SiteRole.user)
        elif args.command == "suspend":
            auth_domain.do_suspend_user(session, user)
        else:
            auth_domain.do_unsuspend_user(session, user)
    print(f"{args.command}: {user.username} done")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
