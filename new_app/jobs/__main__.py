"""`python -m new_app.jobs`: the job worker without the gateway's CLI around it (the same as
`mvgate worker`, with the same options)."""

import typer

from new_app.jobs.cli import worker_command

if __name__ == "__main__":
    typer.run(worker_command)
