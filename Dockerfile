# The grader in a container: the pinned environment, the package, `convnets-grader`.
#   docker build -t convnets-grader .
#   docker run --rm -v "$PWD:/course" convnets-grader grade /course/submitted/ada/convnets/convnets.ipynb --output /course/results.json
# The course folder is mounted at /course, the working folder, where its course_config.py is
# found. What the sandbox keeps in a container, and what it loses: README, "A container".
FROM python:3.11.9-slim-bookworm

WORKDIR /opt/convnets-grader
COPY requirements.lock ./
RUN pip install --no-cache-dir --disable-pip-version-check --no-deps -r requirements.lock && pip check
COPY pyproject.toml ./
COPY autograder ./autograder
RUN pip install --no-cache-dir --disable-pip-version-check --no-deps . && rm -rf /opt/convnets-grader

WORKDIR /course
ENTRYPOINT ["convnets-grader"]
CMD ["doctor"]
