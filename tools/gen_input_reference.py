"""Print the input reference (docs/input_reference.md) generated from the config dataclasses.

    python tools/gen_input_reference.py > docs/input_reference.md
"""

from hpcsim.config import reference_markdown

if __name__ == "__main__":
    print(reference_markdown())
