"""Train, fine-tune or evaluate pennydraw's doodle classifier from a checkout. `python train.py --help`.

The command itself, which reads top to bottom, is `model/train_command.py`; installed, it is
`pennydraw-train`. torchrun runs this file too: `torchrun --standalone --nproc_per_node 2 train.py ...`.
"""
import sys

if __name__ == "__main__":
    from model.train_command import main

    sys.exit(main(prog="train.py"))
