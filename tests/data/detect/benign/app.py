import subprocess
from flask import Flask, request, abort

app = Flask(__name__)
SIZES = {"small": "200x200", "large": "1200x1200"}

@app.route("/thumb")
def thumb():
    size = SIZES.get(request.args.get("size", "small"))
    if size is None:
        abort(400)
    subprocess.run(["convert", "in.jpg", "-resize", size, "out.jpg"], check=True)
    return "ok"
