// An empty script kept alive, so its memory can be read: the baseline of a
// process that loaded nothing.
setTimeout(() => {}, 2 ** 31 - 1);
