"""demo, templates, add-template: example data and starter activities."""

from __future__ import annotations

import argparse

from dpo_tui.cli import Context, UserError


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="create (or refresh) the demo organisation, a fictional "
                       "children's music studio with a complete record")
    p.set_defaults(run=run_demo)

    p = sub.add_parser("templates", help="list the starter templates of typical processing "
                       "activities per kind of business")
    p.set_defaults(run=run_templates)

    p = sub.add_parser("add-template", help="add a template's activities to an organisation as "
                       "drafts to confirm (with proposed processors and retention rules)")
    p.add_argument("name", metavar="NAME", help="template name, as listed by `dpo-tui templates`")
    p.add_argument("--org", metavar="NAME", help="organisation (default: the current one)")
    p.add_argument("--only", metavar="KEY", action="append",
                   help="add only this activity (its key or purpose); repeat for more")
    p.set_defaults(run=run_add_template)


def run_demo(args: argparse.Namespace, ctx: Context) -> int:
    from dpo_tui.domain import registers
    from dpo_tui.services import demo

    ws = ctx.open()
    try:
        org = demo.load_demo(ws)
        print(f"Demo organisation: {org.values.get('name')}")
        for register, number in demo.counts(ws, org.id).items():
            print(f"  {registers.schema(register).title}: {number}")
    finally:
        ws.close()
    return 0


def run_templates(args: argparse.Namespace, ctx: Context) -> int:
    from dpo_tui.services import templates

    for info in templates.list_templates():
        print(f"{info.name}  ({info.activity_count} activities)  {info.label}")
        if info.description:
            print(f"    {info.description}")
    return 0


def run_add_template(args: argparse.Namespace, ctx: Context) -> int:
    from dpo_tui.services import organisations, templates

    ws = ctx.open()
    try:
        org = organisations.resolve(ws, args.org)
        try:
            summary = templates.add_from_template(ws, org.id, args.name, only=args.only)
        except templates.TemplateError as exc:
            raise UserError(str(exc)) from exc
        print(f"{org.values.get('name')}:")
        for line in summary.lines():
            print(line)
    finally:
        ws.close()
    return 0
