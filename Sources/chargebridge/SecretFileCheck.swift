import Documents
import Foundation
import Tariffs

/// Finds the files of a bridge configuration that hold a secret and can be read by the group or
/// by others: the configuration itself when a password or token is written in it (in any YAML
/// or JSON style), the broker's `password_file` and the TLS client `key_file`.
enum SecretFileCheck {
    /// Keys whose value is a secret when written in the configuration itself (`password_env`,
    /// `token_env` and the like only name where the secret is, and are not secrets).
    static func isSecretKey(_ key: String) -> Bool {
        let key = key.lowercased()
        return key == "password" || key == "token" || key == "secret" || key == "api_key"
            || key.hasSuffix("_password") || key.hasSuffix("_token") || key.hasSuffix("_secret")
    }

    /// One warning per file that holds a secret and has read permission for group or others:
    /// which file, what it holds, its mode and the fix (`chmod 600 FILE`). Empty when all is well
    /// (or when the configuration cannot be parsed, which the loader reports anyway).
    static func warnings(configPath: String) -> [String] {
        guard let text = try? String(contentsOfFile: configPath, encoding: .utf8),
              let document = try? DocumentValue.parse(text, preferJSON: configPath.hasSuffix(".json")) else { return [] }
        var warnings: [String] = []
        let inline = secretKeyPaths(in: document, at: "")
        if !inline.isEmpty, let mode = readableByOthersMode(configPath) {
            warnings.append(warning(configPath, holds: "a secret (\(inline.joined(separator: ", ")))", mode: mode))
        }
        let folder = URL(fileURLWithPath: configPath).deletingLastPathComponent()
        let files = [("password_file", "the MQTT password (broker.password_file)"), ("key_file", "the TLS client key (broker.key_file)")]
        for (key, holds) in files {
            guard let name = document["broker"]?[key]?.text, !name.isEmpty else { continue }
            let path = name.hasPrefix("/") ? name : folder.appendingPathComponent(name).standardizedFileURL.path
            if let mode = readableByOthersMode(path) {
                warnings.append(warning(path, holds: holds, mode: mode))
            }
        }
        return warnings
    }

    private static func warning(_ path: String, holds: String, mode: Int) -> String {
        "\(path) holds \(holds) and can be read by others (mode \(String(mode, radix: 8))); run chmod 600 \(path)"
    }

    /// The key paths (`broker.password`) holding a non-empty secret value.
    static func secretKeyPaths(in value: DocumentValue, at path: String) -> [String] {
        switch value {
        case let .object(members):
            return members.flatMap { member -> [String] in
                let keyPath = path.isEmpty ? member.key : "\(path).\(member.key)"
                if isSecretKey(member.key) {
                    switch member.value {
                    case .object, .array: break
                    default:
                        return member.value.isNull ? [] : [keyPath]
                    }
                }
                return secretKeyPaths(in: member.value, at: keyPath)
            }
        case let .array(items):
            return items.enumerated().flatMap { secretKeyPaths(in: $0.element, at: "\(path)[\($0.offset)]") }
        default:
            return []
        }
    }

    /// The file's permission bits when the group or others may read it, else nil.
    static func readableByOthersMode(_ path: String) -> Int? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        let mode = Int(status.st_mode) & 0o777
        return mode & 0o044 != 0 ? mode : nil
    }
}
