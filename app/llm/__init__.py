"""Language-model access: an OpenAI-compatible chat client with validated structured output.

Import from here: `ChatClient`, `LLMSettings`, `ChatMessage`, the errors. `local_server` (xllamacpp)
is imported on demand only.
"""

from .client import ChatClient, ChatMessage, ChatReply, LLMSettings, StructuredReply
from .errors import LLMError, LLMReplyError, LLMStatusError, LLMUnavailable

__all__ = [
    "ChatClient",
    "ChatMessage",
    "ChatReply",
    "LLMError",
    "LLMReplyError",
    "LLMSettings",
    "LLMStatusError",
    "LLMUnavailable",
    "StructuredReply",
]
