"""The registry of agents: ``agent_type`` -> ``Agent``.

Built-in agents are modules in ``agents/agents/``, each defining ``AGENT``; adding one is a file
there and a line in ``BUILTIN_MODULES``. Other apps may ``register(Agent(...))`` in their
``AppConfig.ready()``. Every registered agent is a scheduled job named ``agent_<type>``
(``agents.apps``) and can be run by hand (``manage.py run_agents --agent <type>``).
"""

from importlib import import_module

BUILTIN_MODULES = (
    "agents.agents.inventory",
    "agents.agents.sales",
    "agents.agents.sync_health",
    "agents.agents.security",
    "agents.agents.projects",
)

_agents = {}
_builtins_loaded = False


class UnknownAgent(LookupError):
    pass


def register(agent):
    _agents[agent.agent_type] = agent
    return agent


def _load_builtins():
    global _builtins_loaded
    if not _builtins_loaded:
        for module in BUILTIN_MODULES:
            register(import_module(module).AGENT)
        _builtins_loaded = True


def all_agents():
    _load_builtins()
    return list(_agents.values())


def agent_types():
    return [agent.agent_type for agent in all_agents()]


def get_agent(agent_type):
    _load_builtins()
    try:
        return _agents[agent_type]
    except KeyError:
        raise UnknownAgent(agent_type) from None


def job_name(agent_type):
    return f"agent_{agent_type}"
