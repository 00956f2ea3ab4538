using System.Buffers.Binary;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Nattt.Stun.Wire;
using Nattt.Turn.Auth;
using Nattt.Turn.Client;
using Nattt.Turn.Server;

namespace Nattt.Cli.Commands;

/// <summary>`nattt turn SERVER`: try a TURN server: allocate, permit a peer, send, receive the echoes, report.</summary>
internal static class TurnCommand
{
    public static Command Create()
    {
        var server = new Argument<string>("server") { Description = "The TURN server: ADDRESS or ADDRESS:PORT (port defaults to 3478, 5349 for TLS)." };
        var user = new Option<string?>("--user", "-u") { Description = "User name (with --password), or the user part of a time-limited name (with --secret). Defaults to none (no credentials)." };
        var password = new Option<string?>("--password", "-w") { Description = "Password. Defaults to none. Visible in ps: prefer --password-file." };
        var passwordFile = new Option<string?>("--password-file") { Description = "Read the password from this file's first line. Defaults to none." };
        var secret = new Option<string?>("--secret", "-W") { Description = "Shared secret (coturn use-auth-secret): the client mints EXPIRY:USER and its password itself. Defaults to none." };
        var transport = new Option<string>("--transport", "-t") { Description = "udp, tcp or tls. Defaults to udp.", DefaultValueFactory = _ => "udp" };
        transport.AcceptOnlyFromAmong("udp", "tcp", "tls");
        var peer = new Option<string?>("--peer", "-p") { Description = "An echo peer ADDRESS:PORT (e.g. coturn's turnutils_peer) to permit, send to and hear back from. Defaults to none: allocate only." };
        var count = new Option<int>("--count", "-n") { Description = "Packets to send to the peer. Defaults to 10.", DefaultValueFactory = _ => 10 };
        var size = new Option<int>("--size", "-s") { Description = "Payload bytes per packet (at least 16). Defaults to 100.", DefaultValueFactory = _ => 100 };
        var interval = new Option<int>("--interval") { Description = "Milliseconds between packets. Defaults to 20.", DefaultValueFactory = _ => 20 };
        var useSend = new Option<bool>("--send-indications") { Description = "Send with Send indications instead of a channel. Defaults to false (ChannelBind + ChannelData)." };
        var ipv6 = new Option<bool>("--ipv6-relay") { Description = "Ask for an IPv6 relay address (RFC 6156 REQUESTED-ADDRESS-FAMILY). Defaults to false." };
        var insecure = new Option<bool>("--insecure") { Description = "TLS: do not check the server certificate (self-signed labs). Defaults to false: a man in the middle could otherwise read the credentials' use." };
        var sni = new Option<string?>("--tls-host") { Description = "TLS: the name to check the certificate against. Defaults to the server address." };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for answers and echoes. Defaults to 10.", DefaultValueFactory = _ => 10 };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON. Defaults to false." };

        var command = new Command("turn", "Try a TURN server: allocate a relay, permit a peer, send to it, receive its echoes, report the round trip and loss.");
        command.Arguments.Add(server);
        foreach (var o in new Option[] { user, password, passwordFile, secret, transport, peer, count, size, interval, useSend, ipv6, insecure, sni, timeout, json })
            command.Options.Add(o);

        command.SetAction(async (parse, cancel) =>
        {
            var kind = parse.GetValue(transport) switch { "tcp" => TurnTransport.Tcp, "tls" => TurnTransport.Tls, _ => TurnTransport.Udp };
            int defaultPort = kind == TurnTransport.Tls ? 5349 : 3478;
            var text = parse.GetValue(server)!;
            IPEndPoint? endPoint = IPAddress.TryParse(text, out var bare) ? new IPEndPoint(bare, defaultPort)
                : IPEndPoint.TryParse(text, out var withPort) ? withPort : null;
            if (endPoint is null) return Fail($"'{text}' is not ADDRESS or ADDRESS:PORT");
            IPEndPoint? peerEndPoint = null;
            if (parse.GetValue(peer) is { } peerText && (!IPEndPoint.TryParse(peerText, out peerEndPoint) || peerEndPoint.Port == 0))
                return Fail($"--peer: '{peerText}' is not ADDRESS:PORT");
            if (parse.GetValue(size) < 16) return Fail("--size must be at least 16");
            string? username = parse.GetValue(user), pass = parse.GetValue(password);
            if (parse.GetValue(passwordFile) is { } pf)
            {
                try { pass = File.ReadLines(pf).FirstOrDefault()?.Trim(); }
                catch (IOException e) { return Fail($"--password-file: {e.Message}"); }
            }
            if (parse.GetValue(secret) is { } s)
            {
                username = TurnSharedSecretAuth.Username(DateTimeOffset.UtcNow.AddHours(1), username ?? "nattt");
                pass = TurnSharedSecretAuth.Password(s, username);
            }
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            limit.CancelAfter(TimeSpan.FromSeconds(parse.GetValue(timeout)));
            var report = new Dictionary<string, object?> { ["server"] = endPoint.ToString(), ["transport"] = kind.ToString().ToLowerInvariant() };
            bool asJson = parse.GetValue(json);
            void Say(string line) { if (!asJson) Console.WriteLine(line); }
            int Refused(string step, TurnResponse r)
            {
                report["error"] = new { step, code = r.ErrorCode, reason = r.Reason };
                if (asJson) Console.WriteLine(JsonSerializer.Serialize(report));
                else Console.WriteLine($"{step} refused: {r.ErrorCode} {r.Reason}");
                return 1;
            }
            try
            {
                await using var client = await TurnClient.ConnectAsync(endPoint, kind, username, pass, parse.GetValue(sni),
                    validateCertificate: !parse.GetValue(insecure), cancel: limit.Token);
                var allocated = await client.AllocateAsync(parse.GetValue(ipv6) ? StunAddressFamily.IPv6 : null, cancel: limit.Token);
                if (allocated.Kind != TurnResponseKind.Success) return Refused("allocate", allocated);
                report["relayed"] = allocated.Relayed?.ToString();
                report["mapped"] = allocated.Mapped?.ToString();
                report["lifetime"] = allocated.Lifetime;
                Say($"allocated relay {allocated.Relayed} (mapped address {allocated.Mapped}), lifetime {allocated.Lifetime} s");
                if (peerEndPoint is null)
                {
                    await client.RefreshAsync(0, limit.Token);
                    if (asJson) Console.WriteLine(JsonSerializer.Serialize(report));
                    return 0;
                }
                bool channel = !parse.GetValue(useSend);
                var permitted = channel ? await client.ChannelBindAsync(0x4000, peerEndPoint, limit.Token)
                                        : await client.CreatePermissionAsync(peerEndPoint, limit.Token);
                if (permitted.Kind != TurnResponseKind.Success) return Refused(channel ? "channel-bind" : "create-permission", permitted);
                Say(channel ? $"channel 0x4000 bound to {peerEndPoint}" : $"permission for {peerEndPoint.Address} created");
                var (sent, rtts) = await PingAsync(client, peerEndPoint, channel, parse.GetValue(count), parse.GetValue(size), parse.GetValue(interval), limit.Token);
                await client.RefreshAsync(0, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None)
                    .ContinueWith(_ => { }, TaskScheduler.Default);
                int lost = sent - rtts.Count;
                report["sent"] = sent;
                report["received"] = rtts.Count;
                report["lost"] = lost;
                if (rtts.Count > 0)
                {
                    report["rtt_ms"] = new { min = rtts.Min(), avg = rtts.Average(), max = rtts.Max() };
                    Say(string.Create(CultureInfo.InvariantCulture,
                        $"sent {sent}, received {rtts.Count}, lost {lost} ({100.0 * lost / sent:0.#} %), round trip min/avg/max {rtts.Min():0.000}/{rtts.Average():0.000}/{rtts.Max():0.000} ms"));
                }
                else Say($"sent {sent}, received 0: no echo from {peerEndPoint}");
                if (asJson) Console.WriteLine(JsonSerializer.Serialize(report));
                return rtts.Count > 0 ? 0 : 1;
            }
            catch (Exception e) when (e is TurnClientException or SocketException or IOException or OperationCanceledException
                                           or System.Security.Authentication.AuthenticationException)
            {
                return Fail(e is OperationCanceledException ? $"no answer from {endPoint} within {parse.GetValue(timeout)} s" : e.Message);
            }
        });
        return command;
    }

    /// <summary>Sends numbered, time-stamped packets and matches the echoes; returns the sent count and the RTTs in ms.</summary>
    private static async Task<(int Sent, List<double> Rtts)> PingAsync(TurnClient client, IPEndPoint peer, bool channel, int count, int size, int intervalMs, CancellationToken cancel)
    {
        var sentAt = new long[count];
        var rtts = new List<double>();
        var received = new bool[count];
        var receiver = Task.Run(async () =>
        {
            while (rtts.Count < count)
            {
                var (_, data) = await client.ReceiveAsync(cancel);
                if (data.Length < 16) continue;
                int seq = BinaryPrimitives.ReadInt32BigEndian(data);
                if ((uint)seq >= (uint)count || received[seq] || BinaryPrimitives.ReadInt64BigEndian(data.AsSpan(4)) != sentAt[seq]) continue;
                received[seq] = true;
                lock (rtts) rtts.Add(Stopwatch.GetElapsedTime(sentAt[seq]).TotalMilliseconds);
            }
        }, cancel);
        var payload = new byte[size];
        for (int i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(payload, i);
            sentAt[i] = Stopwatch.GetTimestamp();
            BinaryPrimitives.WriteInt64BigEndian(payload.AsSpan(4), sentAt[i]);
            if (channel) await client.SendChannelAsync(0x4000, payload, cancel);
            else await client.SendAsync(peer, payload, cancel);
            if (intervalMs > 0) await Task.Delay(intervalMs, cancel);
        }
        // Wait for stragglers up to 2 s after the last packet (or the overall timeout).
        await Task.WhenAny(receiver, Task.Delay(2000, cancel)).ContinueWith(_ => { }, TaskScheduler.Default);
        lock (rtts) return (count, [.. rtts]);
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"nattt turn: {message}");
        return 2;
    }
}
