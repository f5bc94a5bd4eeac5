"""The worker container's command in tests/vm/guest_worker.py (after the image's entrypoint,
which makes the container's cgroup writable and runs doctor once): ``judgebox doctor``, then
A+B, a TLE and an MLE by ``judgebox run``, as one JSON object on the last line of stdout."""

import json
import subprocess
import time

SOURCES = {
    "aplusb.c": '#include <stdio.h>\nint main(void){int a,b;scanf("%d %d",&a,&b);'
                'printf("%d\\n",a+b);return 0;}\n',
    "spin.c": "int main(void){for(;;);}\n",
    "hog.c": "#include <stdlib.h>\nint main(void){volatile char *p=malloc(512u<<20);"
             "for(unsigned i=0;i<(512u<<20);i+=4096)p[i]=1;return 0;}\n",
}
CHECKS = {
    "doctor": (["judgebox", "doctor"], None),
    "A+B": (["judgebox", "run", "--json", "/tmp/aplusb.c"], "20 22\n"),
    "TLE": (["judgebox", "run", "--json", "--time-limit", "1", "/tmp/spin.c"], None),
    "MLE": (["judgebox", "run", "--json", "--memory-limit", "64", "--time-limit", "5",
             "/tmp/hog.c"], None),
}

for name, text in SOURCES.items():
    with open(f"/tmp/{name}", "w") as f:
        f.write(text)
results = {}
for name, (argv, stdin) in CHECKS.items():
    started = time.monotonic()
    done = subprocess.run(argv, input=stdin or "", capture_output=True, text=True, timeout=600)
    results[name] = {"seconds": round(time.monotonic() - started, 1), "exit": done.returncode,
                     "stdout": done.stdout[-4000:], "stderr": done.stderr[-4000:]}
with open("/proc/self/cgroup") as f:
    results["cgroup"] = f.read()
print(json.dumps(results))
