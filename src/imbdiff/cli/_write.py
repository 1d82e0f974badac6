"""Writing a command's table to a file: CSV or Parquet, all or nothing."""

from __future__ import annotations

from pathlib import Path

__all__ = ["write_frames_atomically"]

#: Output file suffixes written as Parquet; any other is written as CSV.
_PARQUET_SUFFIXES = (".parquet", ".pq")


def write_frames_atomically(frames, path: Path, progress=None) -> int:
    """Write the frames one after another as one table (CSV, or Parquet by
    the suffix) to a temporary file beside ``path``, then rename it into
    place; return the rows written. ``progress(rows)`` after each frame."""
    from .._files import write_atomically

    parquet = path.suffix.lower() in _PARQUET_SUFFIXES
    if parquet:
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise ValueError(
                f"writing {path.name} as Parquet needs pyarrow (pip install "
                "pyarrow); or name a .csv file."
            ) from None
    written = 0

    def write(tmp: str) -> None:
        nonlocal written
        if parquet:
            writer = None
            try:
                for frame in frames:
                    schema = None if writer is None else writer.schema
                    table = pa.Table.from_pandas(
                        frame, schema=schema, preserve_index=False
                    )
                    if writer is None:
                        writer = pq.ParquetWriter(tmp, table.schema)
                    writer.write_table(table)
                    written += len(frame)
                    if progress is not None:
                        progress(len(frame))
            finally:
                if writer is not None:
                    writer.close()
            return
        with open(tmp, "w", newline="", encoding="utf-8") as handle:
            for i, frame in enumerate(frames):
                frame.to_csv(handle, index=False, header=i == 0)
                written += len(frame)
                if progress is not None:
                    progress(len(frame))

    write_atomically(path, write)
    return written
