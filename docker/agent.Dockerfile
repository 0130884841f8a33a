# A sample image for lanes' Kubernetes runner (runners.<name>.image): git, Node 20, a POSIX shell
# with mkfifo and sed, and the agent CLIs lanes drives. Pin the CLI versions you have tested.
#
#   docker build -f docker/agent.Dockerfile -t registry.example.com/lanes-agent:1 .
#   docker push registry.example.com/lanes-agent:1
#
# The Job runs `/bin/sh -c <script>` (see `lanes runner manifest`): it clones the lane's branch
# into a temporary folder, runs the agent there and pushes its commits back. API keys and git
# credentials come from the Secret named by runners.<name>.secretName, never from this image.
FROM node:20-bookworm-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates openssh-client \
 && rm -rf /var/lib/apt/lists/*

ARG CLAUDE_CODE_VERSION=2.1.197
ARG CODEX_VERSION=0.171.0
ARG GEMINI_CLI_VERSION=0.61.0
ARG OPENCODE_VERSION=1.18.33
RUN npm install -g --omit=dev \
      "@anthropic-ai/claude-code@${CLAUDE_CODE_VERSION}" \
      "@openai/codex@${CODEX_VERSION}" \
      "@google/gemini-cli@${GEMINI_CLI_VERSION}" \
      "opencode-ai@${OPENCODE_VERSION}" \
 && npm cache clean --force

# Agents run as an ordinary user with a writable home (their session files and settings).
RUN useradd --create-home --uid 10001 agent
USER agent
ENV HOME=/home/agent \
    DISABLE_AUTOUPDATER=1
WORKDIR /home/agent
