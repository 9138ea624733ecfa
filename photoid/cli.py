"""The ``photoid`` command: ``photoid run``, ``photoid db upgrade``, ``photoid create-user``, ``photoid demo``."""
from __future__ import annotations

import getpass
import os

import click
from flask.cli import FlaskGroup, with_appcontext

from photoid import create_app


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), help="Manage a photoid site.")
def main() -> None:
    """Entry point of the console script."""


@main.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(["patron", "archivist", "admin"]), default="patron", show_default=True)
@click.option("--institution", "institutions", multiple=True, metavar="SLUG", help="An institution an archivist moderates (repeatable).")
@click.option("--display-name", help="Public name; defaults to the part of the email before @.")
@click.option("--password-env", metavar="VAR", help="Read the password from this environment variable instead of prompting.")
@with_appcontext
def create_user_command(email: str, role: str, institutions: tuple[str, ...], display_name: str | None, password_env: str | None) -> None:
    """Create an account, typically staff: photoid create-user EMAIL --role archivist --institution SLUG."""
    from photoid.accounts.service import AccountError, create_user

    if password_env:
        password = os.environ.get(password_env, "")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != password:
            raise click.ClickException("The two passwords do not match.")
    try:
        user = create_user(
            email=email,
            display_name=display_name or email.split("@", 1)[0],
            password=password,
            role=role,
            institution_slugs=institutions,
        )
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    where = f" for {', '.join(i.slug for i in user.institutions)}" if user.institutions else ""
    click.echo(f"Created {user.role} {user.email} (shown as {user.display_name}){where}.")


@main.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has photos.")
@with_appcontext
def demo_command(if_empty: bool) -> None:
    """Load the demo collection: about 30 generated photos with identifications and demo accounts."""
    from photoid.demo.loader import DEMO_ACCOUNTS, DemoError, load_demo

    try:
        loaded = load_demo(if_empty=if_empty, progress=click.echo)
    except DemoError as error:
        raise click.ClickException(str(error)) from error
    if loaded:
        click.echo(f"Demo collection loaded: {loaded} photos.")
    else:
        click.echo("The database already has photos; the demo was not loaded again.")
    click.echo("Demo accounts (for this local demo only):")
    for account in DEMO_ACCOUNTS:
        click.echo(f"  {account.role:<10} {account.email:<28} password: {account.password}")
