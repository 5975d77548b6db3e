"""Quick, Draw! files: Google's formats read and written in constant memory, and their download.

`formats.py` is the entry point (ndjson, the one table of file extensions, import and conversion; it
re-exports the rest); `records.py` what every format shares; `arrays.py` the 28x28 `.npy` bitmaps and
sketch-rnn `.npz`; `binary.py` Google's `.bin`; `stream_records.py` records read raw for streaming;
`download.py` the one command that uses the network. Importing the package reads nothing.
"""
