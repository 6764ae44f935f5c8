from rich_demo import answer


def main() -> None:
    print(answer())
