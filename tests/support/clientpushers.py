"""The ``POST /pushers/set`` bodies real clients send, written from their source code.

Each body names the repository, file and commit it was read from (``source``).
Values a client computes at run time (tokens, device IDs, secrets) are made up;
gateway hosts are ``.invalid`` names, so that nothing here can reach a network
(no event is sent in these tests, so Synapse pushes nothing anyway). The shape,
the constants and ``append`` are the client's.
"""

from __future__ import annotations

from typing import Any

NOTIFY = "/_matrix/push/v1/notify"

#: (name, source, body); the body is sent as is, ``append`` included
CLIENT_BODIES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "element-android",
        "element-hq/element-android vector/src/main/java/im/vector/app/core/pushers/"
        "PushersManager.kt @ 913c5ce4401593ca7f48e28f76d135eb93c197e4 (createHttpPusher: "
        "profile tag mobile_<hash>, locale language, device ID as name, append false, "
        "event_id_only); the SDK's JsonPusher adds the MSC3881 fields",
        {
            "pushkey": "fcm:APA91bH-element-android-token",
            "kind": "http",
            "app_id": "im.vector.app.android",
            "app_display_name": "Element",
            "device_display_name": "QWERTYUIOP",
            "profile_tag": "mobile_1234567",
            "lang": "en",
            "data": {"url": f"https://matrix.org.invalid{NOTIFY}", "format": "event_id_only"},
            "org.matrix.msc3881.enabled": True,
            "org.matrix.msc3881.device_id": "QWERTYUIOP",
            "append": False,
        },
    ),
    (
        "element-android-unifiedpush-empty-name",
        "as element-android, with a UnifiedPush endpoint as pushkey on the generic gateway "
        "and the empty device name later versions send (displayName().orEmpty())",
        {
            "pushkey": "https://ntfy.invalid/upAbCdEf?up=1",
            "kind": "http",
            "app_id": "im.vector.app.android",
            "app_display_name": "Element",
            "device_display_name": "",
            "profile_tag": "mobile_1234567",
            "lang": "de",
            "data": {
                "url": f"https://matrix.gateway.unifiedpush.invalid{NOTIFY}",
                "format": "event_id_only",
            },
            "org.matrix.msc3881.enabled": True,
            "org.matrix.msc3881.device_id": "QWERTYUIOP",
            "append": False,
        },
    ),
    (
        "element-x-android",
        "element-hq/element-x-android libraries/push/impl/src/main/kotlin/io/element/android/"
        "libraries/push/impl/DefaultPusherSubscriber.kt @ 2a1c89722af0bbb46fc08a9be63627c4f5fbc251"
        " (profile tag mobile_, lang en, device name MyDevice, default_payload {cs: secret}; "
        "the Rust SDK sends event_id_only and append false)",
        {
            "pushkey": "fcm:element-x-android-token",
            "kind": "http",
            "app_id": "im.vector.app.android",
            "app_display_name": "Element X",
            "device_display_name": "MyDevice",
            "profile_tag": "mobile_",
            "lang": "en",
            "data": {
                "url": f"https://matrix.org.invalid{NOTIFY}",
                "format": "event_id_only",
                "default_payload": {"cs": "client-secret-1"},
            },
            "append": False,
        },
    ),
    (
        "schildichat-next",
        "a fork of element-x-android (same DefaultPusherSubscriber) on its UnifiedPush gateway",
        {
            "pushkey": "https://up.schildi.invalid/up/abcdef",
            "kind": "http",
            "app_id": "chat.schildi.android",
            "app_display_name": "SchildiChat Next",
            "device_display_name": "MyDevice",
            "profile_tag": "mobile_",
            "lang": "en",
            "data": {
                "url": f"https://up.schildi.invalid{NOTIFY}",
                "format": "event_id_only",
                "default_payload": {"cs": "client-secret-2"},
            },
            "append": False,
        },
    ),
    (
        "element-ios",
        "element-hq/element-ios Riot/Modules/MatrixKit/Models/Account/MXKAccount.m @ "
        "9c13228c74954c203420791786a38be261c82870 (APNs token base64, profile tag of 16 "
        "random characters, preferred language, the device's name; append is the account "
        "manager's apnsAppendFlag, true with several accounts)",
        {
            "pushkey": "dGhpcyBpcyBhbiBBUE5zIHRva2Vu+/=",
            "kind": "http",
            "app_id": "im.vector.app.ios.prod",
            "app_display_name": "Element",
            "device_display_name": "Alice’s iPhone",
            "profile_tag": "aB3dE5gH7jK9mN1p",
            "lang": "en-GB",
            "data": {
                "url": f"https://matrix.org.invalid{NOTIFY}",
                "format": "event_id_only",
                "default_payload": {
                    "aps": {
                        "mutable-content": 1,
                        "alert": {"loc-key": "Notification", "loc-args": []},
                    }
                },
            },
            "append": True,
        },
    ),
    (
        "element-x-ios",
        "element-hq/element-x-ios (through the Rust SDK, as element-x-android): event_id_only "
        "and a default payload for the notification service extension",
        {
            "pushkey": "656c656d656e742d782d696f732d746f6b656e",
            "kind": "http",
            "app_id": "io.element.elementx.ios",
            "app_display_name": "Element X",
            "device_display_name": "iPhone",
            "lang": "en",
            "data": {
                "url": f"https://matrix.org.invalid{NOTIFY}",
                "format": "event_id_only",
                "default_payload": {
                    "aps": {"mutable-content": 1, "alert": {"loc-key": "Notification"}},
                    "pusher_notification_client_identifier": "abc123",
                },
            },
            "append": False,
        },
    ),
    (
        "fluffychat",
        "krille-chan/fluffychat lib/utils/background_push.dart @ "
        "76c4ec488e885a962f991fbd812a4d9a8524e145 (setupPusher: lang en, format from "
        "settings (event_id_only), client_name and data_message in data, append true)",
        {
            "pushkey": "fcm:fluffychat-token",
            "kind": "http",
            "app_id": "chat.fluffy.fluffychat",
            "app_display_name": "FluffyChat",
            "device_display_name": "FluffyChat",
            "lang": "en",
            "data": {
                "url": f"https://push.fluffychat.invalid{NOTIFY}",
                "format": "event_id_only",
                "client_name": "FluffyChat Android",
                "data_message": True,
            },
            "append": True,
        },
    ),
    (
        "neochat",
        "KDE/neochat src/neochatconnection.cpp (setupPushNotifications; read through the code "
        "index, commit not pinned): app org.kde.neochat, the device ID as name, lang en-US, "
        'data format " ", append false',
        {
            "pushkey": "https://ntfy.invalid/neochatTopic?up=1",
            "kind": "http",
            "app_id": "org.kde.neochat",
            "app_display_name": "NeoChat",
            "device_display_name": "NEOCHATDEV",
            "lang": "en-US",
            "data": {"url": f"https://ntfy.invalid{NOTIFY}", "format": " "},
            "append": False,
        },
    ),
    (
        "hydrogen",
        "element-hq/hydrogen-web src/matrix/push/Pusher.ts @ "
        "8d315f274191822a492134b1999fd9f7d1f9bba5 and src/platform/web/dom/"
        "NotificationService.js @ 1b0f175b023ce305db6bb5fef5002e883c39a058 (web push "
        "subscription: p256dh as pushkey, endpoint and auth in data, append true)",
        {
            "pushkey": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1Xbjh"
            "azAkj7I99e8QcYP7DkM",
            "kind": "http",
            "app_id": "io.element.hydrogen.web",
            "app_display_name": "Hydrogen",
            "device_display_name": "Hydrogen",
            "lang": "en",
            "data": {
                "url": f"https://sygnal.hydrogen.invalid{NOTIFY}",
                "endpoint": "https://fcm.googleapis.invalid/fcm/send/abc",
                "auth": "tBHItJI5svbpez7KI4CCXg",
                "default_payload": {"session_id": "session-1"},
            },
            "append": True,
        },
    ),
    (
        "element-web-email",
        "element-hq/element-web src/components/views/settings/Notifications.tsx @ "
        "e615bd0bb04ac169216a424f27712e8f899be8ce (email pusher: m.email, the address as "
        "pushkey and device name, data {brand}, append true)",
        {
            "pushkey": "alice@example.invalid",
            "kind": "email",
            "app_id": "m.email",
            "app_display_name": "Email Notifications",
            "device_display_name": "alice@example.invalid",
            "lang": "en-US",
            "data": {"brand": "Element"},
            "append": True,
        },
    ),
    (
        "element-web-paused",
        "element-hq/element-web SessionManagerTab setPushNotifications: the pusher as the "
        "server gave it, spread, with org.matrix.msc3881.enabled false",
        {
            "pushkey": "BOTHERWEBPUSHKEY0000000000000000000000000000000000000000000000000000",
            "kind": "http",
            "app_id": "im.vector.app.web",
            "app_display_name": "Element",
            "device_display_name": "app.element.io: Firefox on Linux",
            "profile_tag": "",
            "lang": "en",
            "data": {
                "url": f"https://matrix.org.invalid{NOTIFY}",
                "format": "event_id_only",
                "endpoint": "https://updates.push.services.mozilla.invalid/wpush/v2/x",
                "auth": "qWh3bYKC1Hw-ItGY6KRN5w",
            },
            "org.matrix.msc3881.enabled": False,
            "org.matrix.msc3881.device_id": "WEBDEVICE1",
        },
    ),
    (
        "gomuks-webpush",
        "MSC4174 (matrix-org/matrix-spec-proposals proposals/4174-webpush-pushkind.md @ "
        "4b7642b6f3d8b09e71b41a93a62e30717ad80e3b), the kind gomuks registers through "
        "register_homeserver_push (gomuks/gomuks pkg/hicli/json-commands.go @ "
        "8b1275f74dff01ae4446fd6244c3783ccf2ad5b0): endpoint and auth in data",
        {
            "pushkey": "BGomuksP256dhKeyxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "kind": "org.matrix.msc4174.webpush",
            "app_id": "fi.mau.gomuks",
            "app_display_name": "gomuks web",
            "device_display_name": "gomuks",
            "lang": "en",
            "data": {
                "endpoint": "https://web.push.apple.invalid/QGuP",
                "auth": "dGhpcyBpcyBhdXRo",
                "format": "event_id_only",
            },
            "append": False,
        },
    ),
]
