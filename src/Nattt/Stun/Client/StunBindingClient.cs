using System.Net;
using System.Security.Cryptography;
using System.Text;
using Nattt.Stun.Wire;

namespace Nattt.Stun.Client;

/// <summary>Optional parts of a Binding request (RFC 5780 section 7).</summary>
public sealed record StunBindingRequestOptions(
    StunChangeRequest ChangeRequest = StunChangeRequest.None,
    ushort? ResponsePort = null,
    bool Fingerprint = true);

/// <summary>What a Binding response said (null fields: attribute absent).</summary>
public sealed record StunBindingResponse(
    IPEndPoint ReceivedFrom,
    IPEndPoint? Mapped,
    IPEndPoint? OtherAddress,
    IPEndPoint? ResponseOrigin,
    int? ErrorCode,
    string? ErrorReason,
    string? Software,
    int RequestsSent,
    TimeSpan RoundTrip)
{
    public bool IsSuccess => ErrorCode is null && Mapped is not null;

    /// <summary>REALM, NONCE and the raw PASSWORD-ALGORITHMS value of a 401/438 challenge.</summary>
    internal (string Realm, string Nonce, byte[]? Algorithms)? Challenge { get; init; }

    /// <summary>The response's MESSAGE-INTEGRITY(-SHA256) checked out with our key; null when we sent no credentials.</summary>
    public bool? IntegrityValid { get; init; }
}

/// <summary>Long-term credentials for servers that require them (RFC 8489 section 9.2).</summary>
public sealed record StunClientCredentials(string Username, string Password);

/// <summary>
/// Runs Binding transactions over an <see cref="IStunDatagramTransport"/>, timing them with a
/// <see cref="StunClientTransaction"/> on an injected <see cref="TimeProvider"/>. Reads XOR-MAPPED-ADDRESS (or
/// MAPPED-ADDRESS from classic servers), OTHER-ADDRESS (or CHANGED-ADDRESS) and RESPONSE-ORIGIN.
/// Thread-safe: each call has its own transaction; one transport must not be read by two calls at once.
/// </summary>
public sealed class StunBindingClient(TimeProvider time, StunRetransmissionPolicy policy, StunClientCredentials? credentials = null)
{
    private readonly object _lock = new();
    private (string Realm, string Nonce, byte[]? Algorithms)? _challenge; // guarded by _lock: the last REALM/NONCE seen

    public StunRetransmissionPolicy Policy => policy;

    /// <summary>
    /// Sends a Binding request to <paramref name="server"/> from <paramref name="sender"/> and waits for the response
    /// on <paramref name="receiver"/> (the same socket unless a RESPONSE-PORT test sends from another). Null when the
    /// transaction timed out.
    /// </summary>
    public Task<StunBindingResponse?> RequestAsync(IStunDatagramTransport sender, IPEndPoint server,
        StunBindingRequestOptions? options = null, IStunDatagramTransport? receiver = null, CancellationToken cancellationToken = default) =>
        RunAsync(sender, server, options ?? new(), receiver ?? sender, expectOwnRequest: false, cancellationToken);

    /// <summary>
    /// Hairpinning probe (RFC 5780 section 4.5): sends Binding requests from <paramref name="sender"/> to
    /// <paramref name="target"/> (another socket's mapped address) and reports whether that other socket,
    /// <paramref name="receiver"/>, got one of them.
    /// </summary>
    public async Task<bool> ProbeDeliveryAsync(IStunDatagramTransport sender, IPEndPoint target, IStunDatagramTransport receiver,
        CancellationToken cancellationToken = default) =>
        await RunAsync(sender, target, new(), receiver, expectOwnRequest: true, cancellationToken).ConfigureAwait(false) is not null;

    private async Task<StunBindingResponse?> RunAsync(IStunDatagramTransport sender, IPEndPoint server, StunBindingRequestOptions options,
        IStunDatagramTransport receiver, bool expectOwnRequest, CancellationToken cancellationToken)
    {
        // With credentials: a 401/438 teaches us REALM and NONCE; one retry with them (RFC 8489 section 9.2.3).
        for (int attempt = 0; ; attempt++)
        {
            var response = await TransactionAsync(sender, server, options, receiver, expectOwnRequest, cancellationToken).ConfigureAwait(false);
            if (credentials is null || attempt > 0 || response?.Challenge is not { } challenge || response.ErrorCode is not (401 or 438)) return response;
            lock (_lock) _challenge = challenge;
        }
    }

    private async Task<StunBindingResponse?> TransactionAsync(IStunDatagramTransport sender, IPEndPoint server, StunBindingRequestOptions options,
        IStunDatagramTransport receiver, bool expectOwnRequest, CancellationToken cancellationToken)
    {
        var transactionId = new byte[StunConstants.TransactionIdLength];
        RandomNumberGenerator.Fill(transactionId);
        (string Realm, string Nonce, byte[]? Algorithms)? challenge;
        lock (_lock) challenge = _challenge;
        var (request, key, sha256) = BuildRequest(transactionId, options, expectOwnRequest ? null : credentials, challenge);
        var transaction = new StunClientTransaction(policy);
        var buffer = new byte[2048];
        long started = time.GetTimestamp();
        var action = transaction.Start(time.GetUtcNow());
        while (true)
        {
            if (action == StunTransactionAction.TimedOut) return null;
            if (action == StunTransactionAction.Send) await sender.SendAsync(request, server, cancellationToken).ConfigureAwait(false);
            var wait = transaction.NextDeadline - time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                using var timeout = new CancellationTokenSource(wait, time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                try
                {
                    while (true)
                    {
                        var (length, remote) = await receiver.ReceiveAsync(buffer, linked.Token).ConfigureAwait(false);
                        var response = TryMatch(buffer.AsSpan(0, length), transactionId, remote, expectOwnRequest, transaction.RequestsSent,
                            time.GetElapsedTime(started), key, sha256);
                        if (response is not null)
                        {
                            transaction.OnResponse();
                            return response;
                        }
                    }
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // The deadline passed: let the transaction decide (retransmit or give up).
                }
            }
            action = transaction.OnTimer(time.GetUtcNow());
        }
    }

    private static (byte[] Request, byte[]? Key, bool Sha256) BuildRequest(byte[] transactionId, StunBindingRequestOptions options,
        StunClientCredentials? credentials, (string Realm, string Nonce, byte[]? Algorithms)? challenge)
    {
        var buffer = new byte[2048];
        var w = new StunMessageWriter(buffer, StunMessageType.BindingRequest, transactionId);
        if (options.ChangeRequest != StunChangeRequest.None) ChangeRequestAttribute.TryWrite(ref w, options.ChangeRequest);
        if (options.ResponsePort is { } port) ResponsePortAttribute.TryWrite(ref w, port);
        SoftwareAttribute.TryWrite(ref w, "nattt");
        byte[]? key = null;
        bool sha256 = false;
        if (credentials is not null && challenge is { } c)
        {
            var algorithm = StunPasswordAlgorithm.Md5;
            if (c.Algorithms is not null)
            {
                // Echo the server's list unchanged and pick SHA-256 if offered (RFC 8489 section 9.2.3.2).
                Span<StunPasswordAlgorithm> offered = stackalloc StunPasswordAlgorithm[8];
                PasswordAlgorithmsAttribute.Read(c.Algorithms, offered, out int count);
                if (offered[..Math.Min(count, 8)].Contains(StunPasswordAlgorithm.Sha256)) algorithm = StunPasswordAlgorithm.Sha256;
                w.TryWriteAttribute(StunAttributeType.PasswordAlgorithms, c.Algorithms);
                PasswordAlgorithmAttribute.TryWrite(ref w, algorithm);
                sha256 = true;
            }
            UsernameAttribute.TryWrite(ref w, credentials.Username);
            RealmAttribute.TryWrite(ref w, c.Realm);
            NonceAttribute.TryWrite(ref w, c.Nonce);
            key = StunCredentials.LongTermKey(credentials.Username, c.Realm, credentials.Password, algorithm);
            if (sha256) w.TryWriteMessageIntegritySha256(key);
            else w.TryWriteMessageIntegrity(key);
        }
        if (options.Fingerprint) w.TryWriteFingerprint();
        return (w.Written.ToArray(), key, sha256);
    }

    private static StunBindingResponse? TryMatch(ReadOnlySpan<byte> datagram, byte[] transactionId, IPEndPoint remote,
        bool expectOwnRequest, int requestsSent, TimeSpan roundTrip, byte[]? key, bool sha256)
    {
        if (StunMessageReader.TryParse(datagram, out var m) != StunError.None) return null;
        if (!m.TransactionId.SequenceEqual(transactionId)) return null;
        if (expectOwnRequest)
            return m.Class == StunClass.Request ? new StunBindingResponse(remote, null, null, null, null, null, null, requestsSent, roundTrip) : null;
        if (m.Class is not (StunClass.SuccessResponse or StunClass.ErrorResponse)) return null;
        if (m.HasFingerprint && !m.IsFingerprintValid()) return null;
        if (XorMappedAddressAttribute.Read(m, out var mapped) != StunError.None) MappedAddressAttribute.Read(m, out mapped);
        if (OtherAddressAttribute.Read(m, out var other) != StunError.None) ChangedAddressAttribute.Read(m, out other);
        ResponseOriginAttribute.Read(m, out var origin);
        int? code = null;
        string? reason = null;
        if (m.Class == StunClass.ErrorResponse)
        {
            code = ErrorCodeAttribute.Read(m, out int c, out var phrase) == StunError.None ? c : 0;
            reason = Encoding.UTF8.GetString(phrase);
        }
        string? software = SoftwareAttribute.Read(m, out var sw) == StunError.None ? Encoding.UTF8.GetString(sw) : null;
        (string, string, byte[]?)? challenge = null;
        if (code is 401 or 438 && RealmAttribute.Read(m, out var realm) == StunError.None && NonceAttribute.Read(m, out var nonce) == StunError.None)
            challenge = (Encoding.UTF8.GetString(realm), Encoding.UTF8.GetString(nonce),
                m.TryGetAttribute(StunAttributeType.PasswordAlgorithms, out var algorithms) ? algorithms.ToArray() : null);
        bool? integrity = key is null || m.Class == StunClass.ErrorResponse ? null
            : sha256 ? m.VerifyMessageIntegritySha256(key) : m.VerifyMessageIntegrity(key);
        // A success that fails its integrity check is not from the server we share a key with: ignore it.
        if (integrity == false) return null;
        return new StunBindingResponse(remote, mapped, other, origin, code, reason, software, requestsSent, roundTrip)
        {
            Challenge = challenge,
            IntegrityValid = integrity,
        };
    }
}
