"""Progress of a class run: a bar with rate and ETA on a terminal, plain lines elsewhere
(CI logs), so a long run is never silent."""
import sys

from tqdm import tqdm


class Progress:
    def __init__(self, total, already_done=0, stream=None):
        """stream: where progress goes; sys.stderr as it is when the run starts, by default."""
        self.total, self.count, self.stream = total, already_done, stream or sys.stderr
        self.bar = None
        if self.stream.isatty():
            self.bar = tqdm(total=total, initial=already_done, unit="submission", file=self.stream, dynamic_ncols=True)

    def advance(self, row):
        """One more student graded (a ScoreRow)."""
        self.count += 1
        said = f"{row.student} {row.score:g}/{row.max_score:g}"
        if self.bar is not None:
            self.bar.set_postfix_str(said, refresh=False)
            self.bar.update()
        else:
            print(f"[{self.count}/{self.total}] {said}", file=self.stream, flush=True)

    def fail(self, failure):
        """One more student done, but not graded (a writer.NotGraded): an
        error line that stays, on a terminal too."""
        self.count += 1
        if self.bar is not None:
            self.bar.write(f"error: {failure}", file=self.stream)
            self.bar.update()
        else:
            print(f"[{self.count}/{self.total}] error: {failure}", file=self.stream, flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()
