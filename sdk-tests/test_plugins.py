"""ListOrgPlugins and UpdateOrgPluginSubscribers through the official SDK."""

from __future__ import annotations

from alibabacloud_dingtalk.calendar_1_0 import models as cal
from alibabacloud_tea_util.models import RuntimeOptions

from support import BOB, CAROL, EVE, expect_error


def _plugins(api):
    return api.client.list_org_plugins_with_options(
        cal.ListOrgPluginsHeaders(x_acs_dingtalk_access_token=api.token), RuntimeOptions(),
    ).body.plugins


def _update(api, plugin_id, union_ids, dept_ids=None):
    return api.client.update_org_plugin_subscribers_with_options(
        plugin_id, cal.UpdateOrgPluginSubscribersRequest(dept_ids=dept_ids, union_ids=union_ids),
        cal.UpdateOrgPluginSubscribersHeaders(x_acs_dingtalk_access_token=api.token),
        RuntimeOptions(),
    ).body


def test_plugins_are_listed_and_their_subscribers_replaced(api):
    (notes,) = _plugins(api)
    assert (notes.plugin_id, notes.name, notes.plugin_classification) == (
        "plugin-notes", "Notes", "document")
    assert _update(api, "plugin-notes", [BOB, CAROL], ["dept-7"]).result is True
    (notes,) = _plugins(api)
    assert notes.subscribers.union_ids == [BOB, CAROL]
    assert notes.subscribers.dept_ids == ["dept-7"]
    expect_error(lambda: _update(api, "plugin-notes", [EVE]), 400, "invalidParameter")
    expect_error(lambda: _update(api, "no-such-plugin", []), 404, "itemNotFound")
