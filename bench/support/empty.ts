// An empty script: the baseline of `deno run` start-up.
