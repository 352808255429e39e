"""Progress of a class run: a bar with rate and ETA on a terminal, plain lines elsewhere
(CI logs), so a long run is never silent."""
import sys

from tqdm import tqdm


class Progress:
    def __init__(self, total, stream=None):
        """stream: where progress goes; sys.stderr as it is when the run starts, by default."""
        self.total, self.count, self.stream = total, 0, stream or sys.stderr
        self.on_terminal = self.stream.isatty()
        self.bar = None  # drawn by start(), once the students done before grading are known

    def start(self, already_done):
        """Grading begins, with `already_done` more students done by an earlier run: they
        count as done, and the bar (on a terminal) starts from every student done so far,
        its rate and ETA taken from the students graded from now on."""
        self.count += already_done
        if self.on_terminal:
            self.bar = tqdm(total=self.total, initial=self.count, unit="submission", file=self.stream, dynamic_ncols=True)

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
        if self.on_terminal:
            tqdm.write(f"error: {failure}", file=self.stream)  # above the bar, if it is drawn yet
            if self.bar is not None:
                self.bar.update()
        else:
            print(f"[{self.count}/{self.total}] error: {failure}", file=self.stream, flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()
