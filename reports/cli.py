"""Commands: import the history, build a workbook, issue an API token."""

import click


def register(app):
    """Each command group registers itself here."""
    app.cli.add_command(create_token)
    app.cli.add_command(reports_group)
    app.cli.add_command(import_history)


@click.command("create-token")
@click.argument("email")
@click.option("--name", default="", help="What will use the token, to tell tokens apart.")
def create_token(email, name):
    """Issue a personal API token to an analyst, grant operator or administrator; it is printed once."""
    from grants.auth.services import find_user
    from grants.extensions import db
    from reports import tokens

    user = find_user(email)
    if user is None:
        raise click.ClickException(f"No account has the e-mail {email}.")
    try:
        token, plaintext = tokens.issue(user, name, actor="cli")
    except tokens.TokenRefused as refusal:
        raise click.ClickException(str(refusal)) from None
    db.session.commit()
    click.echo(plaintext)
    click.echo(f"API token #{token.id} for {user.email} created. It is shown only this once: keep it secret. "
               "Send it as `Authorization: Bearer <token>`.", err=True)


@click.group("reports")
def reports_group():
    """Statistics workbooks."""


@reports_group.command("build")
@click.option("--from", "year_from", type=int, default=None, help="First budget year (all years when not given).")
@click.option("--to", "year_to", type=int, default=None, help="Last budget year.")
@click.option("--lang", "language", type=click.Choice(["kk", "ru", "en"]), default="kk", show_default=True,
              help="Language of the labels.")
@click.option("--instrument", default=None, help="state_grant, non_state_grant, sso, award or strategic_partnership.")
@click.option("--customer", default=None, help="A customer body's code, e.g. MCI.")
@click.option("--funding-source", default=None, help="republican, local or non_state.")
@click.option("--region", default=None, help="A region's KATO code, e.g. 750000000.")
@click.option("--direction", type=int, default=None, help="A direction, 1–16.")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), required=True,
              help="Where to write the workbook (.xlsx).")
def build_workbook(year_from, year_to, language, instrument, customer, funding_source, region, direction, out):
    """Build the statistics workbook here and now, the same as the analyst's page does."""
    from grants.i18n import _l
    from reports.stats import BadFilter, Filters
    from reports.workbook import build

    try:
        filters = Filters(year_from=year_from, year_to=year_to, instrument=instrument, customer=customer,
                          funding_source=funding_source, region=region, direction=direction)
    except BadFilter as exc:
        raise click.ClickException(str(exc)) from None
    content = build(filters, language, _l("command line"),
                    progress=lambda done, total: click.echo(f"  sheet {done}/{total}", err=True))
    try:
        with open(out, "wb") as file:
            file.write(content)
    except OSError as exc:
        raise click.ClickException(f"Could not write {out}: {exc.strerror or exc}") from None
    click.echo(f"Wrote {out} ({len(content):,} bytes).")


@click.command("import-history")
@click.argument("path", metavar="FILE", type=click.Path(dir_okay=False))
def import_history(path):
    """Import applications and grants of the years before the platform from a CSV or XLSX file.

    One row per application, with the columns ref, year, call_code, instrument, funding_source, customer,
    direction, region_kato, language, ngo_bin, ngo_name, outcome, amount_requested, amount_awarded.
    amount_awarded is empty or 0 on a row not awarded (0 means no award). A file with any bad row imports
    nothing; rows already imported (by ref) are left as they are.
    """
    import sys

    from grants.extensions import db
    from reports.history import CUSTOMERS_NOTE, ImportRefused, import_file

    try:
        summary = import_file(path)
    except ImportRefused as refusal:
        db.session.rollback()
        for line, reason in refusal.problems:
            click.echo(f"line {line}: {reason}" if line is not None else reason, err=True)
        click.echo(f"{refusal}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"{summary.source_file}: {summary.rows} rows read.")
    click.echo(f"  added: {summary.added}")
    differ = "differs" if summary.differs == 1 else "differ"
    click.echo(f"  already imported: {summary.already_imported}"
               + (f" ({summary.differs} {differ} from the file: left as stored)" if summary.differs else ""))
    click.echo(f"  NGOs created: {summary.ngos_created}")
    click.echo(f"  customers created: {len(summary.customers_created)}"
               + (f" ({', '.join(summary.customers_created)}): {CUSTOMERS_NOTE}" if summary.customers_created else ""))
