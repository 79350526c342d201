"""The site's MkDocs hooks (``hooks:`` in ``mkdocs.yml``): the tooling lives in ``rnn_math_docs``.

MkDocs puts this file's folder on ``sys.path`` while it loads it, which is when the package
``rnn_math_docs`` beside it is imported; its submodules are imported from there later.
"""

from rnn_math_docs.mkdocs_hooks import (
    on_build_error,
    on_config,
    on_env,
    on_files,
    on_page_markdown,
    on_post_build,
    on_pre_build,
)

__all__ = ["on_build_error", "on_config", "on_env", "on_files", "on_page_markdown", "on_post_build", "on_pre_build"]
