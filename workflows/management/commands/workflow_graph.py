from django.core.management.base import BaseCommand

from workflows.machine import as_dot, as_mermaid


class Command(BaseCommand):
    help = "Print the rectification state graph (Mermaid by default, or Graphviz DOT)."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["mermaid", "dot"], default="mermaid")

    def handle(self, *args, format: str, **options):
        self.stdout.write(as_dot() if format == "dot" else as_mermaid())
