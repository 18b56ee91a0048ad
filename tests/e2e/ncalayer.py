"""A stand-in for NCALayer in the browser tests: Playwright's WebSocket routing at NCALayer's address answers the
page's own client (static/js/ncalayer.js) as NCALayer does, signing with a test CA's key as NCALayer signs with the
person's .p12 file."""

import base64
import json

from tests.pki import sign

NCALAYER = "wss://127.0.0.1:13579"


class StandIn:
    """NCALayer as the page meets it: a greeting with its version, then one answer per request. `answer(request)`
    returns the answer's JSON; every request is kept."""

    def __init__(self, answer):
        self.answer, self.requests = answer, []

    def __call__(self, ws):
        ws.send(json.dumps({"result": {"version": "1.4"}}))

        def on_message(message):
            request = json.loads(message)
            self.requests.append(request)
            ws.send(json.dumps(self.answer(request)))

        ws.on_message(on_message)


def signing_with(key, key_type="AUTHENTICATION"):
    """Answers as NCALayer does when the person picks `key` for a request of `key_type`; anything else fails."""
    def answer(request):
        _storage, asked, data, attach = request["args"]
        if request["method"] != "createCAdESFromBase64" or asked != key_type:
            return {"code": "500", "message": "unexpected request"}
        return {"code": "200", "responseObject": sign(key, base64.b64decode(data), detached=not attach)}
    return answer
