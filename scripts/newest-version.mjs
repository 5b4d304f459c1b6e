// Reads `npm view <name>@<range> version --json` on stdin (one version as a string,
// or several, in no particular order) and prints the highest. Used by .ci/run.
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  input += chunk;
});
process.stdin.on("end", () => {
  const versions = [JSON.parse(input)].flat();
  const key = (v) => v.split(/[.+-]/).slice(0, 3).map(Number);
  versions.sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
  });
  const newest = versions.at(-1);
  if (!newest) {
    console.error("newest-version: no version matched");
    process.exit(1);
  }
  console.log(newest);
});
