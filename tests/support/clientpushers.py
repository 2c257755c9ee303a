"""The ``POST /pushers/set`` bodies real clients send, written from their source code.

Each ``source`` names the repository, file and commit read for the body, or says
plainly that no client file was read for it and what it is written from instead.
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
        "not read from a client: a variant of element-android written from the issue text (a "
        "UnifiedPush endpoint as pushkey on the generic gateway, and an empty device name as "
        "displayName().orEmpty() would give); no file of Element Android was read for it",
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
        "SchildiChat/schildichat-android-next libraries/push/impl/src/main/kotlin/io/element/"
        "android/libraries/push/impl/DefaultPusherSubscriber.kt @ "
        "e2fd66877253d96f0ed082d5d88e6dd51e91e81a (app ID PushConfig.PUSHER_APP_ID "
        "de.spiritcroc.riotx, app name SchildiChat Next from app/build.gradle.kts, device name "
        "SchildiNext, profile tag mobile_, lang en, default_payload {cs: secret}, append false; "
        "UnifiedPushConfig's default gateway up.schildi.chat); RustPushersService.kt there sends "
        "event_id_only; how the Rust SDK serialises the body was not read",
        {
            "pushkey": "https://up.schildi.invalid/up/abcdef",
            "kind": "http",
            "app_id": "de.spiritcroc.riotx",
            "app_display_name": "SchildiChat Next",
            "device_display_name": "SchildiNext",
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
        "element-hq/element-x-ios ElementX/Sources/Services/Notification/Manager/"
        "NotificationManager.swift and APNSPayload.swift @ 5d0343c480a8659a1d5669f8e4a13fb37d7528e7"
        ' (setPusher: base64 APNs token, app ID <bundle>.ios.prod, app name "Element X (iOS)", '
        "the device's name, a 16-character profile tag, lang, event_id_only, default_payload aps "
        "and pusher_notification_client_identifier, the SHA-256 of the user ID in ClientProxy.swift"
        "; append false in ClientProxy.setPusher); the body as matrix-rust-sdk's FFI "
        "set_pusher builds it (bindings/matrix-sdk-ffi/src/client.rs @ "
        "64b12e0b808969c284c94f0ea239f37d6746d6e2: default_payload parsed into data); how ruma "
        "serialises append was not read",
        {
            "pushkey": "yMnKy8zNzs/Q0dLT1NXW19jZ2tvc3d7f4OHi4+Tl5uc=",
            "kind": "http",
            "app_id": "io.element.elementx.ios.prod",
            "app_display_name": "Element X (iOS)",
            "device_display_name": "iPhone",
            "profile_tag": "Qw3Er5Ty7Ui9Op1A",
            "lang": "en",
            "data": {
                "url": f"https://matrix.org.invalid{NOTIFY}",
                "format": "event_id_only",
                "default_payload": {
                    "aps": {
                        "mutable-content": 1,
                        "alert": {"loc-key": "Notification", "loc-args": []},
                    },
                    "pusher_notification_client_identifier": (
                        "411a64d87cdb0763c5673a72adf51e269dffde7d5ff4f236e6a04ffea3a07d23"
                    ),
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
        "not read from a client: written from the issue text (app org.kde.neochat, the device ID "
        'as name, lang en-US, data format " ", append false); KDE/neochat '
        "src/neochatconnection.cpp at c7614caf4188b6a4d5e80d62943fca147f60a3e0, the one version "
        "read, has no push code, and no version with setupPushNotifications was read",
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
        "e615bd0bb04ac169216a424f27712e8f899be8ce (onEmailNotificationsChanged: m.email, the "
        "address as pushkey and device name, app name Email Notifications, navigator.language, "
        "data {brand}, append true)",
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
        "element-hq/element-web src/components/views/settings/devices/useOwnDevices.ts @ "
        "d7bb8043ea6b342c5835c78692abae2251f49339 (setPushNotifications: the pusher of that "
        "device as GET /pushers gave it, spread, with PUSHER_ENABLED.name, which matrix-js-sdk's "
        "UnstableValue makes org.matrix.msc3881.enabled; no append). The shape is read; the "
        "pusher being paused (app ID, web-push data) is made up",
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
        "not read from a client: written from MSC4174 (matrix-org/matrix-spec-proposals "
        "proposals/4174-webpush-pushkind.md @ 4b7642b6f3d8b09e71b41a93a62e30717ad80e3b: kind "
        "org.matrix.msc4174.webpush, the P-256 key as pushkey, endpoint, auth and format in "
        "data). gomuks/gomuks @ 8b1275f74dff01ae4446fd6244c3783ccf2ad5b0 reads that capability "
        "(web/src/api/types/mxtypes.ts) and its register_homeserver_push sends whatever pusher "
        "its caller builds (pkg/hicli/json-commands.go); no code there builds this body, and "
        "the app ID and names are made up",
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
