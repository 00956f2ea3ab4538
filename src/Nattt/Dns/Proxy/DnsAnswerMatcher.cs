using System.Net;
using Nattt.Dns.Wire;

namespace Nattt.Dns.Proxy;

/// <summary>
/// Decides whether a datagram is the answer to a pending upstream query (RFC 5452 section 4.3): it must come from the
/// address and port the query went to, be a well-formed response, carry the query's ID and repeat its question
/// (name compared case-insensitively, type and class exactly). Anything else is a spoofing attempt or a stray and is
/// dropped with the reason. Pure; thread-safe.
/// </summary>
public static class DnsAnswerMatcher
{
    public static DnsDropReason Check(ReadOnlySpan<byte> query, ReadOnlySpan<byte> answer, IPEndPoint server, IPEndPoint from)
    {
        if (!from.Address.Equals(server.Address) || from.Port != server.Port) return DnsDropReason.WrongSource;
        return CheckMessage(query, answer);
    }

    /// <summary>The checks that do not depend on the transport's addresses (also used over TCP).</summary>
    public static DnsDropReason CheckMessage(ReadOnlySpan<byte> query, ReadOnlySpan<byte> answer)
    {
        var reader = new DnsMessageReader(answer);
        if (!reader.IsValid) return reader.Error;
        if (!reader.Header.IsResponse) return DnsDropReason.NotAQuery;
        if (reader.Header.Id != DnsHeader.ReadId(query)) return DnsDropReason.WrongId;
        var queryReader = new DnsMessageReader(query);
        if (!queryReader.TryReadQuestion(out var asked)) return DnsDropReason.WrongQuestion;
        if (reader.Header.QuestionCount != 1) return DnsDropReason.WrongQuestion;
        if (!reader.TryReadQuestion(out var got)) return reader.Error;
        if (got.Type != asked.Type || got.Class != asked.Class) return DnsDropReason.WrongQuestion;
        Span<byte> a = stackalloc byte[DnsLimits.MaxNameLength];
        Span<byte> b = stackalloc byte[DnsLimits.MaxNameLength];
        if (!DnsName.TryRead(query, asked.NameOffset, a, out var aLength, out _, out _)) return DnsDropReason.WrongQuestion;
        if (!DnsName.TryRead(answer, got.NameOffset, b, out var bLength, out _, out var reason)) return reason;
        return DnsName.WireEquals(a[..aLength], b[..bLength]) ? DnsDropReason.None : DnsDropReason.WrongQuestion;
    }
}
