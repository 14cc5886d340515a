namespace Microsoft.ML.Recurrent.Samples;

/// <summary>One decoded e-mail of the SpamAssassin public corpus.</summary>
/// <param name="Id">The message's MD5 from its SpamAssassin file name (<c>00001.7c53336b37003a9286aba55d2945844c</c> gives <c>7c53336b37003a9286aba55d2945844c</c>), lower-case hex.</param>
/// <param name="Subject">Decoded Subject header (RFC 2047 encoded-words resolved), or empty.</param>
/// <param name="Body">Decoded readable body: text/plain parts, or HTML converted to text where a part has no plain alternative. Headers are dropped.</param>
/// <param name="Text"><see cref="Subject"/> + <c>"\n"</c> + <see cref="Body"/>: the model input.</param>
/// <param name="IsSpam">Whether the message comes from a <c>spam*</c> group.</param>
/// <param name="IsTest">Whether the message is in the fixed test split; see <see cref="SpamAssassinCorpus.IsTestId"/>.</param>
/// <param name="SourceGroup">Corpus folder in the original archive naming: <c>easy_ham</c>, <c>easy_ham_2</c>, <c>hard_ham</c>, <c>spam</c> or <c>spam_2</c>.</param>
public sealed record SpamMessage(string Id, string Subject, string Body, string Text, bool IsSpam, bool IsTest, string SourceGroup);
