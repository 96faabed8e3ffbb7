"""Optional prose by a language model (any OpenAI-compatible chat-completions endpoint).

Off unless ``AGENTS_LLM_URL`` and ``AGENTS_LLM_MODEL`` are set. The model gets only what
``evidence_for_model`` builds from a finding: the agent, the cause, the severity, the figures,
the ``facts`` numbers and the names of *products* (never orders, people, addresses or e-mails),
and answers with the analysis and recommendations per language. Any failure (timeout, HTTP
error, an answer that is not the JSON asked for) returns ``None``: the agent's own text stays.
"""

import json
import logging

import requests
from django.conf import settings

logger = logging.getLogger(__name__)

SYSTEM_PROMPT = (
    "You are an analyst for the owner of an online shop (WooCommerce) or for the admins of the tool that "
    "manages it. From the evidence given as JSON, write a short analysis in plain words (2-4 sentences) and "
    "2-4 concrete recommended actions, in each requested language. Use only the figures given. Answer with "
    'JSON only: {"<language code>": {"analysis": "...", "recommendations": ["...", "..."]}, ...}.'
)


def enabled():
    return bool(settings.AGENTS_LLM_URL and settings.AGENTS_LLM_MODEL)


def evidence_for_model(agent_type, finding, rendered_en):
    """What may leave the installation: aggregates and product names only."""
    return {
        "agent": agent_type,
        "cause": finding.cause,
        "severity": finding.severity,
        "title": rendered_en["title"],
        "figures": [{"label": f["label"], "value": f["value"]} for f in rendered_en["figures"]],
        "facts": finding.facts,
        "products": [item["name"] for item in rendered_en["items"] if item["kind"] == "product"],
    }


def _endpoint():
    url = settings.AGENTS_LLM_URL.rstrip("/")
    return url if url.endswith("/chat/completions") else f"{url}/chat/completions"


def _parse(content, languages):
    content = content.strip()
    if content.startswith("```"):
        content = content.strip("`").removeprefix("json").strip()
    answer = json.loads(content)
    prose = {}
    for code in languages:
        part = answer.get(code)
        if not isinstance(part, dict):
            continue
        analysis, recommendations = part.get("analysis"), part.get("recommendations")
        if isinstance(analysis, str) and analysis.strip() and isinstance(recommendations, list):
            items = [str(r).strip() for r in recommendations if str(r).strip()][:6]
            if items:
                prose[code] = {"analysis": analysis.strip()[:2000], "recommendations": [r[:500] for r in items]}
    return prose or None


def write_prose(evidence, languages):
    """``{language: {"analysis", "recommendations"}}`` from the model, or ``None``."""
    if not enabled():
        return None
    headers = {"Content-Type": "application/json"}
    if settings.AGENTS_LLM_API_KEY:
        headers["Authorization"] = f"Bearer {settings.AGENTS_LLM_API_KEY}"
    body = {
        "model": settings.AGENTS_LLM_MODEL,
        "temperature": 0.2,
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {
                "role": "user",
                "content": json.dumps({"languages": list(languages), "evidence": evidence}, ensure_ascii=False),
            },
        ],
    }
    try:
        response = requests.post(_endpoint(), json=body, headers=headers, timeout=settings.AGENTS_LLM_TIMEOUT_SECONDS)
        response.raise_for_status()
        content = response.json()["choices"][0]["message"]["content"]
        return _parse(content, languages)
    except (requests.RequestException, ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        # The message never includes the request (it holds the API key in a header).
        logger.warning("Language model unavailable for agent %s: %s", evidence.get("agent"), type(exc).__name__)
        return None
